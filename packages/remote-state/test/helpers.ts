import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { makeS3Client } from '@iwp/core';
import { execa, type Options, type ResultPromise } from 'execa';

export const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
export const needsS3 = !process.env.AWS_ENDPOINT_URL && 'AWS_ENDPOINT_URL not set: start the test environment (scripts/testenv up)';

type T = { teardown(fn: () => unknown): void };

export async function tempDir(t: T, prefix = 'iwp-remote-state-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** A fresh bucket in the S3 emulator. */
export async function bucket(name = 'rs'): Promise<string> {
  const b = `iwp-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await makeS3Client({}).send(new CreateBucketCommand({ Bucket: b }));
  return b;
}

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
