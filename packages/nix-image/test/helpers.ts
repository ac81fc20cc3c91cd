import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

export const root = join(import.meta.dirname, '..', '..', '..');
export const helloworld = join(root, 'nix', 'images', 'helloworld');
const bin = join(root, 'packages', 'nix-image', 'bin', 'run.js');

export async function tempDir(t: { teardown: (fn: () => Promise<void>) => void }): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'iwp-ni-'));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** Runs the built nix-image CLI with --json; never throws. */
export function nixImage(args: string[], env: Record<string, string> = {}) {
  return execa('node', [bin, ...args, '--json'], { reject: false, stdin: 'ignore', env, cwd: root });
}

export const unique = (p: string) => `${p}-${process.pid}-${Date.now().toString(36)}`;
