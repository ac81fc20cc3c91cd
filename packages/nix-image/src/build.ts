import { availableParallelism } from 'node:os';
import { badInput, pool, type Runner } from '@iwp/core';
import { customizationEntries } from './customization.js';
import { LayerCache } from './layer-cache.js';
import { lockedLayers, popularityLayers } from './layering.js';
import { readLock, writeLock } from './layer-lockfile.js';
import { platformOf } from './systems.js';
import { assemble, mediaTypes, type BuiltImage, type ImageFormat, type LayerCompression } from './oci.js';
import { evalSpec, realisedClosure, type ImageSpec } from './spec.js';

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
 * layers come from the layer cache, so a rebuild of an unchanged closure tars nothing.
 */
export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const maxLayers = checkMaxLayers(opts.maxLayers ?? 100);
  const compression = opts.compression ?? 'gzip';
  if (opts.format === 'docker' && compression === 'zstd') throw badInput('--compression', 'gzip with --format docker (Docker schema 2 has no zstd layers)', 'zstd');
  const cache = opts.cache ?? new LayerCache(undefined, compression);
  const spec = await evalSpec(opts.run, opts.target, opts.attr, opts.system);
  const { outs, infos } = await realisedClosure(opts.run, spec);
  const groups = await planLayers(infos, maxLayers, opts.lock);
  const total = groups.length + 1;
  const layers: BuiltImage['layers'] = [];
  let cachedLayers = 0;
  // layers are made in parallel, one per core, each in a worker thread (tar, hashes, compressor);
  // the small customisation layer meanwhile on this thread
  const made = new Array<Awaited<ReturnType<LayerCache['storeLayer']>>>(groups.length);
  const customLayer = customizationEntries(outs, spec.extraFiles).then((entries) => cache.entriesLayer(entries));
  customLayer.catch(() => undefined); // awaited below, unless a store layer failed first
  let done = 0;
  try {
    await pool([...groups.keys()], availableParallelism(), async (i) => {
      made[i] = await cache.storeLayer(groups[i]!);
      opts.onLayer?.(++done, total, made[i]!.cached);
    });
  } finally {
    if (!opts.cache) await cache.close();
  }
  for (const [i, g] of groups.entries()) {
    const { blob, cached } = made[i]!;
    if (cached) cachedLayers++;
    layers.push({ mediaType: '', digest: blob.digest, size: blob.size, diffId: blob.diffId, file: cache.blobPath(blob.digest), storePaths: [...g].sort() });
  }
  const custom = await customLayer;
  if (custom.cached) cachedLayers++;
  opts.onLayer?.(total, total, custom.cached);
  layers.push({ mediaType: '', digest: custom.blob.digest, size: custom.blob.size, diffId: custom.blob.diffId, file: cache.blobPath(custom.blob.digest), storePaths: [] });
  const platform = opts.system ? platformOf(opts.system) : { os: 'linux', architecture: goArch() };
  const image = assemble(layers, spec.config, platform, mediaTypes(opts.format ?? 'oci', compression));
  return { spec, image, storePaths: infos.map((i) => i.path).sort(), cachedLayers };
}
