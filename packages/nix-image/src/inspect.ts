import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_VERSION, badInput, ErrorCode, IwpError, type Image } from '@iwp/core';
import { MEDIA, sha256, type Descriptor } from './oci.js';
import type { RegistryClient } from './registry/client.js';
import { formatRef, type ImageRef } from './registry/ref.js';

interface Manifest {
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  manifests?: Array<Descriptor & { platform?: { os: string; architecture: string; variant?: string } }>;
}

/** Where manifests and blobs come from: a registry repository or an OCI layout. */
interface Source {
  manifest(reference: string): Promise<{ body: Buffer; mediaType: string }>;
  blob(digest: string): Promise<Buffer>;
}

const ACCEPT = [MEDIA.manifest, MEDIA.index, MEDIA.dockerManifest, 'application/vnd.docker.distribution.manifest.list.v2+json'];

async function describe(src: Source, ref: string, reference: string, extra: Partial<Image>): Promise<Image> {
  const top = await src.manifest(reference);
  const doc = JSON.parse(top.body.toString()) as Manifest;
  const mediaType = doc.mediaType ?? top.mediaType;
  let platforms: Image['platforms'];
  let manifest = doc;
  if (doc.manifests) {
    // an index: describe its platforms, and the layers of the first image
    platforms = doc.manifests.map((m) => ({ os: m.platform?.os ?? 'unknown', architecture: m.platform?.architecture ?? 'unknown', ...(m.platform?.variant ? { variant: m.platform.variant } : {}), digest: m.digest }));
    const first = doc.manifests[0];
    if (!first) throw badInput('REF', 'an index with at least one manifest', ref);
    manifest = JSON.parse((await src.manifest(first.digest)).body.toString()) as Manifest;
  }
  const config = JSON.parse((await src.blob(manifest.config.digest)).toString()) as { config?: Record<string, unknown>; rootfs?: { diff_ids?: string[] }; os?: string; architecture?: string };
  // the Image contract needs every layer's diffId; a config without them is no valid image
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new IwpError(ErrorCode.FAILED, `${ref}: the image config lists ${diffIds.length} diff_ids for ${manifest.layers.length} layers (rootfs.diff_ids): not a valid OCI image`);
  }
  return {
    apiVersion: API_VERSION,
    kind: 'Image',
    ref,
    digest: sha256(top.body),
    mediaType,
    ...extra,
    ...(platforms ? { platforms } : { platforms: [{ os: config.os ?? 'linux', architecture: config.architecture ?? 'unknown' }] }),
    layers: manifest.layers.map((l, i) => ({ digest: l.digest, size: l.size, mediaType: l.mediaType, diffId: diffIds[i]!, storePaths: [] })),
    configDigest: manifest.config.digest,
    ...(config.config ? { config: config.config } : {}),
  } as Image;
}

export function inspectRegistry(client: RegistryClient, ref: ImageRef): Promise<Image> {
  const src: Source = {
    manifest: (r) => client.getManifest(ref.repository, r, ACCEPT),
    blob: (d) => client.getBlob(ref.repository, d),
  };
  return describe(src, formatRef(ref), ref.digest ?? ref.tag ?? 'latest', { repository: `${ref.registry}/${ref.repository}`, ...(ref.tag ? { tag: ref.tag } : {}) });
}

export async function inspectOciDir(dir: string): Promise<Image> {
  const blob = (d: string) => readFile(join(dir, 'blobs', 'sha256', d.replace(/^sha256:/, '')));
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests?: Array<Descriptor> };
  const top = index.manifests?.[0];
  if (!top) throw badInput('REF', 'an OCI layout whose index.json names a manifest', dir);
  const src: Source = {
    manifest: async (r) => ({ body: await blob(r), mediaType: index.manifests!.find((m) => m.digest === r)?.mediaType ?? '' }),
    blob,
  };
  const tag = top.annotations?.['org.opencontainers.image.ref.name'];
  return describe(src, `oci-dir:${dir}`, top.digest, tag ? { tag } : {});
}
