import { join } from 'node:path';
import { cliRunner, tempDir as coreTempDir } from '@iwp/core/testing';

export const root = join(import.meta.dirname, '..', '..', '..');
export const helloworld = join(root, 'nix', 'images', 'helloworld');
const bin = join(root, 'packages', 'nix-image', 'bin', 'run.js');

export const tempDir = (t: { teardown(fn: () => unknown): void }) => coreTempDir(t, 'iwp-ni-');

const run = cliRunner(bin, { json: 'end', options: { cwd: root } });
/** Runs the built nix-image CLI with --json; never throws. */
export const nixImage = (args: string[], env: Record<string, string> = {}) => run(args, { env });

export const unique = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}`;
