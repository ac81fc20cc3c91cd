import { lstat, readdir } from 'node:fs/promises';
import { posix } from 'node:path';
import type { Entry } from './tar.js';

/**
 * The last layer: for each content path, a symlink at `/<dir>/<name>` for every entry of its
 * top-level directories (`/bin/node -> /nix/store/…-node/bin/node`), the first content path
 * winning a name; then `extraFiles` (path -> text), which win over symlinks. Parent
 * directories are created 0755; everything is sorted.
 */
export async function customizationEntries(contents: string[], extraFiles: Record<string, string>): Promise<Entry[]> {
  const leaves = new Map<string, Entry>();
  for (const out of contents) {
    let top: string[] = [];
    try {
      if ((await lstat(out)).isDirectory()) top = await readdir(out);
    } catch {
      continue;
    }
    for (const d of top.sort()) {
      const dir = posix.join(out, d);
      if (!(await lstat(dir)).isDirectory()) continue;
      for (const n of (await readdir(dir)).sort()) {
        const name = `${d}/${n}`;
        if (!leaves.has(name)) leaves.set(name, { type: 'symlink', name, target: posix.join(dir, n) });
      }
    }
  }
  for (const [path, text] of Object.entries(extraFiles)) {
    const name = path.replace(/^\/+/, '');
    leaves.set(name, { type: 'text', name, mode: name.startsWith('bin/') ? 0o755 : 0o644, text });
  }
  const dirs = new Set<string>();
  for (const name of leaves.keys()) {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const all: Entry[] = [...[...dirs].map((d): Entry => ({ type: 'directory', name: d, mode: 0o755 })), ...leaves.values()];
  return all.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)));
}
