import { availableParallelism } from 'node:os';
import { badInput, pool, type Runner } from '@iwp/core';
import { customizationEntries } from './customization.js';
import { LayerCache } from './layer-cache.js';
import { lockedLayers, popularityLayers } from './layering.js';
import { readLock, writeLock } from './layer-lockfile.js';
import { platformOf } from './systems.js';
import { assemble, mediaTypes, type BuiltImage, type ImageFormat, type LayerCompression } from './oci.js';
import { evalSpec, realisedClosure, type ImageSpec } from './spec.js';
import { BuildMemos, type BuildMemo } from './build-memo.js';

export const MAX_LAYERS_CEILING = 127;

export interface BuildOptions {
  run: Runner;
  target: string;
  attr?: string;
  maxLayers?: number;
  cache?: LayerCache;
  format?: ImageFormat;
  /** the Nix system to evaluate for (default: this machine's) */
  system?: string;
  /** a layer-plan lockfile: read when present, written after the build */
  lock?: string;
  compression?: LayerCompression;
  /** called as each layer is made, for progress */
  onLayer?: (i: number, total: number, cached: boolean) => void;
}

export interface BuildResult {
  spec: ImageSpec;
  image: BuiltImage;
  storePaths: string[];
  /** layers taken from the layer cache (not tarred or hashed again) */
  cachedLayers: number;
}

function goArch(): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}

/** The layer plan: by popularity, or following a lockfile (which is then updated). */
export async function planLayers(infos: import('./spec.js').PathInfo[], maxLayers: number, lock?: string): Promise<string[][]> {
  const locked = lock ? await readLock(lock) : undefined;
  const groups = locked ? lockedLayers(infos, locked, maxLayers - 1) : popularityLayers(infos, maxLayers - 1);
  if (lock) await writeLock(lock, groups);
  return groups;
}

export function checkMaxLayers(maxLayers: number): number {
  if (!Number.isInteger(maxLayers) || maxLayers < 2 || maxLayers > MAX_LAYERS_CEILING) {
    throw badInput('--max-layers', `an integer 2..${MAX_LAYERS_CEILING}`, maxLayers);
  }
  return maxLayers;
}

/**
 * Evaluates the image description, realises its contents, and writes one layer per popular
 * store path (at most maxLayers - 1 store layers) plus the customisation layer. Unchanged
 * layers come from the layer cache, so a rebuild of an unchanged closure tars nothing; a
 * rebuild of unchanged contents (same output paths and options) takes the layers it made
 * last time without asking nix for the closure again.
 */
export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const maxLayers = checkMaxLayers(opts.maxLayers ?? 100);
  const compression = opts.compression ?? 'gzip';
  if (opts.format === 'docker' && compression === 'zstd') throw badInput('--compression', 'gzip with --format docker (Docker schema 2 has no zstd layers)', 'zstd');
  const cache = opts.cache ?? new LayerCache(undefined, compression);
  const spec = await evalSpec(opts.run, opts.target, opts.attr, opts.system);
  const memos = new BuildMemos(cache.dir);
  // with a lockfile the plan depends on that file too (and the build rewrites it): no memo
  const key = opts.lock ? undefined : BuildMemos.key([compression, maxLayers, spec.contents.map((c) => c.out), spec.extraFiles]);
  let memo = key ? await memos.read(key, (d) => cache.blobPath(d)) : undefined;
  let cachedLayers: number;
  if (memo) {
    const n = memo.layers.length;
    for (let i = 1; i <= n; i++) opts.onLayer?.(i, n, true);
    cachedLayers = n;
  } else {
    try {
      ({ memo, cachedLayers } = await makeLayers(opts, cache, spec, maxLayers));
    } finally {
      if (!opts.cache) await cache.close();
    }
    if (key) await memos.write(key, memo);
  }
  const layers = memo.layers.map((l) => ({ mediaType: '', ...l, file: cache.blobPath(l.digest) }));
  const platform = opts.system ? platformOf(opts.system) : { os: 'linux', architecture: goArch() };
  const image = assemble(layers, spec.config, platform, mediaTypes(opts.format ?? 'oci', compression));
  return { spec, image, storePaths: memo.storePaths, cachedLayers };
}

/** The closure's layers, from the cache or made: store layers in worker threads, one per core. */
async function makeLayers(opts: BuildOptions, cache: LayerCache, spec: ImageSpec, maxLayers: number): Promise<{ memo: BuildMemo; cachedLayers: number }> {
  cache.warm(); // the layer threads load while nix answers
  const { outs, infos } = await realisedClosure(opts.run, spec);
  const groups = await planLayers(infos, maxLayers, opts.lock);
  const total = groups.length + 1;
  const made = new Array<Awaited<ReturnType<LayerCache['storeLayer']>>>(groups.length);
  // the small customisation layer is made on this thread meanwhile
  const customLayer = customizationEntries(outs, spec.extraFiles).then((entries) => cache.entriesLayer(entries));
  customLayer.catch(() => undefined); // awaited below, unless a store layer failed first
  let done = 0;
  await pool([...groups.keys()], availableParallelism(), async (i) => {
    made[i] = await cache.storeLayer(groups[i]!);
    opts.onLayer?.(++done, total, made[i]!.cached);
  });
  const custom = await customLayer;
  opts.onLayer?.(total, total, custom.cached);
  const all = [...made.map((m, i) => ({ ...m, storePaths: [...groups[i]!].sort() })), { ...custom, storePaths: [] as string[] }];
  return {
    memo: { layers: all.map(({ blob, storePaths }) => ({ digest: blob.digest, size: blob.size, diffId: blob.diffId, storePaths })), storePaths: infos.map((i) => i.path).sort() },
    cachedLayers: all.filter((m) => m.cached).length,
  };
}
