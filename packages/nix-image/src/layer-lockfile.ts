import { readFile } from 'node:fs/promises';
import { API_VERSION, badInput, type LayerLock } from '@iwp/core';
import { pathName } from './layering.js';
import { writeIfChanged } from './write-if-changed.js';

/** A layer-plan lockfile (`LayerLock`, its schema is core's): which store path names share a layer, in order. */
export type { LayerLock };

export async function readLock(file: string): Promise<string[][] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined; // written by this run
  }
  try {
    const l = JSON.parse(text) as LayerLock;
    if (l.kind === 'LayerLock' && Array.isArray(l.layers) && l.layers.every((g) => Array.isArray(g) && g.every((n) => typeof n === 'string'))) return l.layers;
  } catch {
    /* fall through */
  }
  throw badInput('--lock', 'a LayerLock file written by nix-image plan/build --lock', file);
}

export async function writeLock(file: string, groups: string[][]): Promise<void> {
  const lock: LayerLock = { apiVersion: API_VERSION, kind: 'LayerLock', layers: groups.map((g) => g.map(pathName)) };
  await writeIfChanged(file, `${JSON.stringify(lock, null, 2)}\n`);
}
