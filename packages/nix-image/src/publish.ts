import { badInput, cacheDir, type Image } from '@iwp/core';
import { writeDockerArchive } from './docker-archive.js';
import { imageDocument } from './document.js';
import type { SystemBuild } from './multi.js';
import { MEDIA, writeOciDir, writeOciIndex } from './oci.js';
import { pushImage } from './push.js';
import type { RegistryClient } from './registry/client.js';
import { formatRef, type ImageRef } from './registry/ref.js';
import { imageIndex } from './systems.js';

export interface PublishOptions {
  /** oci-dir:PATH or docker-archive:PATH; default an OCI layout in the cache */
  out?: string;
  tag: string;
  ref?: ImageRef;
  client?: RegistryClient;
  jobs?: number;
  /** systems asked for but not buildable here */
  skipped: string[];
  /** an index even for one build (when --system was given) */
  asIndex: boolean;
}

/**
 * Writes the build(s) where asked (OCI layout with an index of platforms, or a docker
 * archive) and pushes them: one image, or each platform's manifest by digest and then the
 * index under the tag. Returns the `Image` document.
 */
export async function publish(builds: SystemBuild[], o: PublishOptions): Promise<Image> {
  const built = builds[0]!.built;
  const index = o.asIndex ? imageIndex(builds.map((b) => ({ image: b.built.image, platform: b.platform! }))) : undefined;
  const platforms = index ? builds.map((b) => ({ ...b.platform!, digest: b.built.image.manifestDigest })) : undefined;
  const extra = { tag: o.tag, storePaths: built.storePaths, config: built.spec.config };
  const more = { ...(platforms ? { platforms } : {}), ...(o.skipped.length ? { skippedSystems: o.skipped } : {}) };
  let where: string;
  if (o.out?.startsWith('docker-archive:')) {
    if (index) throw badInput('--out', 'oci-dir:PATH with --system (a docker archive holds one platform)', o.out);
    where = o.out;
    await writeDockerArchive(o.out.slice('docker-archive:'.length), built.image, `${o.ref ? `${o.ref.registry}/${o.ref.repository}` : built.spec.name}:${o.tag}`);
  } else {
    const dir = o.out ? o.out.slice('oci-dir:'.length) : cacheDir('nix-image', 'oci', built.spec.name);
    for (const b of builds) await writeOciDir(dir, b.built.image, o.tag);
    if (index) await writeOciIndex(dir, builds.map((b) => ({ image: b.built.image, platform: b.platform! })), o.tag);
    where = `oci-dir:${dir}`;
  }
  const indexed = (d: Image): Image => (index ? { ...d, digest: index.digest, mediaType: MEDIA.index, ...more } : { ...d, ...more });
  if (!o.ref || !o.client) return indexed(imageDocument(where, built.image, extra));
  const target = { ...o.ref, tag: o.tag };
  const repository = `${o.ref.registry}/${o.ref.repository}`;
  if (!index) {
    const push = await pushImage(o.client, target, built.image, { concurrency: o.jobs });
    return indexed(imageDocument(formatRef(target), built.image, { ...extra, repository, push }));
  }
  const reports = [];
  for (const b of builds) reports.push(await pushImage(o.client, { ...o.ref, tag: b.built.image.manifestDigest }, b.built.image, { concurrency: o.jobs }));
  await o.client.putManifest(o.ref.repository, o.tag, index.body, MEDIA.index);
  const push = reports.reduce((a, r) => ({
    ...a, uploaded: a.uploaded + r.uploaded, skipped: a.skipped + r.skipped, mounted: a.mounted + r.mounted,
    bytesUploaded: a.bytesUploaded + r.bytesUploaded, requests: a.requests + r.requests + 1, manifestPushed: true,
  }));
  return indexed(imageDocument(formatRef(target), built.image, { ...extra, repository, push }));
}
