import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type Options } from 'execa';

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/** A temp directory removed when the test ends. */
export async function tempDir(t: { teardown(fn: () => unknown): void }, prefix = 'iwp-pipeline-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** Runs the built `pipeline` binary. */
export function cli(args: string[], opts: Options = {}) {
  return execa('node', [bin, ...args], { reject: false, stdin: 'ignore', ...opts } as Options);
}

export const pushPayload = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ref: 'refs/heads/main',
    after: '0123456789abcdef0123456789abcdef01234567',
    repository: { full_name: 'acme/web' },
    ...extra,
  });
