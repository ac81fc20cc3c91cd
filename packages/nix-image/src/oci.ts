import { createHash } from 'node:crypto';
import { copyFile, link, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@iwp/core';
import { writeIfChanged } from './write-if-changed.js';

export const MEDIA = {
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  index: 'application/vnd.oci.image.index.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** OCI media types (the default) or Docker image manifest v2 schema 2, as registries and runtimes expect. */
export type ImageFormat = 'oci' | 'docker';
export type LayerCompression = 'gzip' | 'zstd';

export function mediaTypes(format: ImageFormat, compression: LayerCompression): { manifest: string; config: string; layer: string } {
  if (format === 'docker') return { manifest: MEDIA.dockerManifest, config: MEDIA.dockerConfig, layer: MEDIA.dockerLayer };
  return { manifest: MEDIA.manifest, config: MEDIA.config, layer: compression === 'zstd' ? MEDIA.layerZstd : MEDIA.layerGzip };
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** JSON with sorted keys and no whitespace: the same document is always the same bytes. */
export function canonical(v: unknown): Buffer {
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort)
      : x && typeof x === 'object' ? Object.fromEntries(Object.keys(x as object).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])]))
        : x;
  return Buffer.from(JSON.stringify(sort(v)));
}

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface BuiltImage {
  /** the manifest's media type (OCI or Docker schema 2) */
  mediaType: string;
  manifest: Buffer;
  manifestDigest: string;
  config: Buffer;
  configDigest: string;
  layers: (Descriptor & { diffId: string; file: string; storePaths: string[] })[];
}

/** The image config and manifest for the layers (OCI media types, fixed creation time). */
export function assemble(
  layers: BuiltImage['layers'],
  runConfig: Record<string, unknown>,
  platform: { os: string; architecture: string },
  types: { manifest: string; config: string; layer: string } = mediaTypes('oci', 'gzip'),
): BuiltImage {
  const config = canonical({
    ...platform,
    created: '1970-01-01T00:00:01Z',
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({ created: '1970-01-01T00:00:01Z', created_by: l.storePaths.length ? `nix-image: ${l.storePaths.length} store path(s)` : 'nix-image: customisation layer' })),
  });
  const configDigest = sha256(config);
  const manifest = canonical({
    schemaVersion: 2,
    mediaType: types.manifest,
    config: { mediaType: types.config, digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: types.layer, digest: l.digest, size: l.size })),
  });
  return { mediaType: types.manifest, manifest, manifestDigest: sha256(manifest), config, configDigest, layers: layers.map((l) => ({ ...l, mediaType: types.layer })) };
}

/**
 * A layer blob into a layout: hard-linked to the layer cache's file when both are on one
 * file system (blobs are named by their digest and never written again, so sharing the
 * inode is safe, and a layout of hundreds of megabytes costs no copy), copied otherwise.
 */
async function placeBlob(src: string, dest: string): Promise<void> {
  const tmp = `${dest}.tmp`;
  await rm(tmp, { force: true });
  await link(src, tmp).catch(() => copyFile(src, tmp));
  await rename(tmp, dest);
}

/**
 * Writes an OCI image layout directory (oci-layout, index.json, blobs/sha256/*); blobs that
 * are already there with the right size are left alone. `index.json` is written last.
 */
export async function writeOciDir(dir: string, img: BuiltImage, refName: string): Promise<{ written: number }> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  let written = 0;
  const have = async (digest: string, size: number) => (await stat(join(blobs, digest.slice(7))).catch(() => undefined))?.size === size;
  for (const l of img.layers) {
    if (!(await have(l.digest, l.size))) {
      await placeBlob(l.file, join(blobs, l.digest.slice(7)));
      written++;
    }
  }
  for (const [b, d] of [[img.config, img.configDigest], [img.manifest, img.manifestDigest]] as const) {
    if (!(await have(d, b.length))) {
      await writeFileAtomic(join(blobs, d.slice(7)), b);
      written++;
    }
  }
  await writeIfChanged(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: [{ mediaType: img.mediaType, digest: img.manifestDigest, size: img.manifest.length, annotations: { 'org.opencontainers.image.ref.name': refName } }],
  };
  await writeIfChanged(join(dir, 'index.json'), JSON.stringify(index));
  return { written };
}

/** Reads an OCI layout written by writeOciDir (or any single-manifest gzip layout). */
export async function readOciDir(dir: string): Promise<BuiltImage> {
  const blob = (d: string) => join(dir, 'blobs', 'sha256', d.replace(/^sha256:/, ''));
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
  const desc = index.manifests?.find((m) => m.mediaType === MEDIA.manifest || m.mediaType === MEDIA.dockerManifest);
  if (!desc) throw new Error(`${dir}: index.json names no image manifest`);
  const manifest = await readFile(blob(desc.digest));
  const m = JSON.parse(manifest.toString()) as { config: Descriptor; layers: Descriptor[] };
  const config = await readFile(blob(m.config.digest));
  const diffIds = (JSON.parse(config.toString()) as { rootfs?: { diff_ids?: string[] } }).rootfs?.diff_ids ?? [];
  return {
    mediaType: desc.mediaType, manifest, manifestDigest: desc.digest, config, configDigest: m.config.digest,
    layers: m.layers.map((l, i) => ({ ...l, diffId: diffIds[i] ?? '', file: blob(l.digest), storePaths: [] })),
  };
}

/** Rewrites index.json of a layout to name one manifest per platform (after writeOciDir of each). */
export async function writeOciIndex(dir: string, images: Array<{ image: BuiltImage; platform: { os: string; architecture: string; variant?: string } }>, refName: string): Promise<void> {
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: images.map(({ image, platform }) => ({
      mediaType: image.mediaType, digest: image.manifestDigest, size: image.manifest.length, platform,
      annotations: { 'org.opencontainers.image.ref.name': refName },
    })),
  };
  await writeFileAtomic(join(dir, 'index.json'), JSON.stringify(index));
}
