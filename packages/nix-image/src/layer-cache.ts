import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { cacheDir, writeFileAtomic } from '@iwp/core';
import { WorkerPool } from '@iwp/core/workers';
import type { LayerTask } from './layer-worker.js';
import { storeEntries, writeLayer, type Entry, type LayerBlob } from './tar.js';

/** Bumped whenever the bytes a layer gets would change for the same input. */
const FORMAT = { gzip: 'iwp-layer-v1-gzip6', zstd: 'iwp-layer-v1-zstd3' } as const;

/** dist/layer-worker.js, from dist/ or from the bundled CLI in dist/.startup/ */
function workerFile(): URL {
  const here = new URL('./layer-worker.js', import.meta.url);
  return existsSync(here) ? here : new URL('../layer-worker.js', import.meta.url);
}

/**
 * Layers by content key under `~/.cache/iwp/nix-image`: `blobs/sha256/<hex>` and
 * `layers/<key>.json`. Store paths are immutable, so a layer of store paths keyed by the
 * paths is never tarred or hashed twice.
 */
export class LayerCache {
  private pool: WorkerPool<LayerTask, LayerBlob> | undefined;

  /**
   * `threads`: worker threads that make store-path layers (default one a core; 0 makes them
   * on this thread). The bytes are the same either way: the same code writes them.
   */
  constructor(
    readonly dir = cacheDir('nix-image'),
    readonly compression: 'gzip' | 'zstd' = 'gzip',
    private readonly threads = availableParallelism(),
  ) {}

  /** Stops the worker threads (idle ones never keep the process alive). */
  async close(): Promise<void> {
    await this.pool?.close();
  }

  /** Starts the worker threads ahead of the first layer to make (a build that will make some). */
  warm(): void {
    if (this.threads < 1) return;
    this.pool ??= new WorkerPool<LayerTask, LayerBlob>(workerFile(), this.threads);
    this.pool.warm();
  }

  blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.replace(/^sha256:/, ''));
  }

  private keyFile(key: string): string {
    return join(this.dir, 'layers', `${key}.json`);
  }

  private async lookup(key: string): Promise<LayerBlob | undefined> {
    try {
      const hit = JSON.parse(await readFile(this.keyFile(key), 'utf8')) as LayerBlob;
      const st = await stat(this.blobPath(hit.digest));
      return st.size === hit.size ? hit : undefined;
    } catch {
      return undefined;
    }
  }

  private async make(key: string, write: (dest: string) => Promise<LayerBlob>): Promise<{ blob: LayerBlob; cached: boolean }> {
    const hit = await this.lookup(key);
    if (hit) return { blob: hit, cached: true };
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    // written under a key name, renamed to its digest once known (same directory: atomic)
    const building = join(this.dir, 'blobs', 'sha256', `.building-${key}`);
    const blob = await write(building);
    await rename(building, this.blobPath(blob.digest));
    await writeFileAtomic(this.keyFile(key), JSON.stringify(blob));
    return { blob, cached: false };
  }

  /** The layer holding exactly these store paths. */
  storeLayer(paths: string[]): Promise<{ blob: LayerBlob; cached: boolean }> {
    const key = createHash('sha256').update(`${FORMAT[this.compression]}\0store\0${[...paths].sort().join('\0')}`).digest('hex');
    return this.make(key, (dest) => {
      if (this.threads < 1) return writeLayer(dest, storeEntries(paths), this.compression);
      this.pool ??= new WorkerPool<LayerTask, LayerBlob>(workerFile(), this.threads);
      return this.pool.run({ dest, paths, compression: this.compression });
    });
  }

  /** A layer of arbitrary entries, keyed by their full description. */
  entriesLayer(entries: Entry[]): Promise<{ blob: LayerBlob; cached: boolean }> {
    const key = createHash('sha256').update(`${FORMAT[this.compression]}\0entries\0${JSON.stringify(entries)}`).digest('hex');
    return this.make(key, (dest) => writeLayer(dest, entries, this.compression));
  }
}
