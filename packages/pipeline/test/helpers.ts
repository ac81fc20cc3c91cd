import { fileURLToPath } from 'node:url';
import { cliRunner, tempDir as coreTempDir } from '@iwp/core/testing';

export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));

/** A temp directory removed when the test ends. */
export const tempDir = (t: { teardown(fn: () => unknown): void }, prefix = 'iwp-pipeline-') => coreTempDir(t, prefix);

/** Runs the built `pipeline` binary. */
export const cli = cliRunner(bin);

export const pushPayload = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    ref: 'refs/heads/main',
    after: '0123456789abcdef0123456789abcdef01234567',
    repository: { full_name: 'acme/web' },
    ...extra,
  });
