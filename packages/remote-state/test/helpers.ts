import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir as coreTempDir, testBucket } from '@iwp/core/testing';
import { execa, type Options, type ResultPromise } from 'execa';

export const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
export const needsS3 = !process.env.AWS_ENDPOINT_URL && 'AWS_ENDPOINT_URL not set: start the test environment (scripts/testenv up)';

type T = { teardown(fn: () => unknown): void };

/**
 * A working directory for one user of a stack: its own `.remote-state` record and its own
 * cache, so each test starts from nothing.
 */
export async function workspace(t: T, store: string, stack = 'web') {
  const dir = await tempDir(t);
  const env = { REMOTE_STATE_STORE: store, REMOTE_STATE_STACK: stack, REMOTE_STATE_DIR: join(dir, '.remote-state'), XDG_CACHE_HOME: join(dir, 'cache') };
  const run = (args: string[], opts: Options = {}) =>
    execa('node', [bin, args[0]!, '--json', ...args.slice(1)], { reject: false, stdin: 'ignore', stripFinalNewline: false, cwd: dir, ...opts, env: { ...env, ...(opts.env ?? {}) } } as Options);
  return { dir, env, run, json: async (args: string[], opts: Options = {}) => JSON.parse(String((await run(args, opts)).stdout)) as Record<string, unknown> };
}

export type Running = ResultPromise<Options>;

export const tempDir = (t: T, prefix = 'iwp-remote-state-') => coreTempDir(t, prefix);
export const bucket = (name = 'test') => testBucket(name);
