import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { execa, type Options, type ResultPromise } from 'execa';
import { makeS3Client } from './aws.js';
import { awsSdk } from './aws-sdk.js';
import { processRuns } from './process-state.js';

/** Helpers the packages' tests share (imported as `@iwp/core/testing`, never by tools). */
type Teardown = { teardown(fn: () => unknown): void };

/** A temp directory removed when the test ends. */
export async function tempDir(t: Teardown, prefix = 'iwp-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** Whether a process of this pid runs: it exists and has not exited (core's processRuns). */
export const pidAlive = processRuns;

export type CliRun = ((args: string[], opts?: Options) => ResultPromise<Options>) & { tool?: string };

/**
 * Runs a package's built CLI (`node bin/run.js …`) and never throws: the test reads the exit
 * code. `json: 'command'` puts `--json` right after the command id (so `-` and `--` in the
 * arguments stay last), `'end'` after everything; `options` are execa's defaults for every run.
 */
export function cliRunner(bin: string, how: { json?: 'command' | 'end'; options?: Options } = {}): CliRun {
  const withJson = (args: string[]) =>
    how.json === 'command' ? [args[0]!, '--json', ...args.slice(1)] : how.json === 'end' ? [...args, '--json'] : args;
  const run: CliRun = (args, opts = {}) => execa('node', [bin, ...withJson(args)], { reject: false, stdin: 'ignore', ...how.options, ...opts } as Options);
  return Object.assign(run, { tool: basename(join(bin, '..', '..')) });
}

/** The JSON document a run printed; a failed run throws with its stderr. */
export async function cliJson(run: CliRun, args: string[], opts: Options = {}): Promise<Record<string, unknown>> {
  const r = await run(args, opts);
  if (r.exitCode !== 0) throw new Error(`${run.tool ?? 'cli'} ${args.join(' ')} exited ${r.exitCode}: ${String(r.stderr)}`);
  return JSON.parse(String(r.stdout)) as Record<string, unknown>;
}

/** A test's skip reason without the S3 emulator of the test environment (`AWS_ENDPOINT_URL`), else false. */
export const needsS3 = process.env.AWS_ENDPOINT_URL ? false : 'needs the S3 emulator (scripts/testenv up)';

/** A fresh bucket in the S3 emulator of the test environment (`AWS_ENDPOINT_URL`). */
export async function testBucket(name: string): Promise<string> {
  const { CreateBucketCommand } = awsSdk('@aws-sdk/client-s3');
  const b = `iwp-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await makeS3Client({}).send(new CreateBucketCommand({ Bucket: b }));
  return b;
}
export * from './fault-proxy.js';
export * from './git-server.js';
export * from './real-cluster.js';
