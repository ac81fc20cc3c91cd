import { badInput, type Runner } from '@iwp/core';
import { customizationEntries } from './customization.js';
import { LayerCache } from './layer-cache.js';
import { popularityLayers } from './layering.js';
import { assemble, type BuiltImage } from './oci.js';
import { closure, evalSpec, realise, type ImageSpec } from './spec.js';

export const MAX_LAYERS_CEILING = 127;

export interface BuildOptions {
  run: Runner;
  target: string;
  attr?: string;
  maxLayers?: number;
  cache?: LayerCache;
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

/**
 * Evaluates the image description, realises its contents, and writes one layer per popular
 * store path (at most maxLayers - 1 store layers) plus the customisation layer. Unchanged
 * layers come from the layer cache, so a rebuild of an unchanged closure tars nothing.
 */
export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const maxLayers = opts.maxLayers ?? 100;
  if (!Number.isInteger(maxLayers) || maxLayers < 2 || maxLayers > MAX_LAYERS_CEILING) {
    throw badInput('--max-layers', `an integer 2..${MAX_LAYERS_CEILING}`, maxLayers);
  }
  const cache = opts.cache ?? new LayerCache();
  const spec = await evalSpec(opts.run, opts.target, opts.attr);
  const outs = await realise(opts.run, spec);
  const infos = await closure(opts.run, outs);
  const groups = popularityLayers(infos, maxLayers - 1);
  const total = groups.length + 1;
  const layers: BuiltImage['layers'] = [];
  let cachedLayers = 0;
  for (const [i, g] of groups.entries()) {
    const { blob, cached } = await cache.storeLayer(g);
    if (cached) cachedLayers++;
    opts.onLayer?.(i + 1, total, cached);
    layers.push({ mediaType: '', digest: blob.digest, size: blob.size, diffId: blob.diffId, file: cache.blobPath(blob.digest), storePaths: [...g].sort() });
  }
  const custom = await cache.entriesLayer(await customizationEntries(outs, spec.extraFiles));
  if (custom.cached) cachedLayers++;
  opts.onLayer?.(total, total, custom.cached);
  layers.push({ mediaType: '', digest: custom.blob.digest, size: custom.blob.size, diffId: custom.blob.diffId, file: cache.blobPath(custom.blob.digest), storePaths: [] });
  const image = assemble(layers, spec.config, { os: 'linux', architecture: goArch() });
  return { spec, image, storePaths: infos.map((i) => i.path).sort(), cachedLayers };
}
