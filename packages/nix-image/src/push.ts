import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, pool, writeFileAtomic } from '@iwp/core';
import { MEDIA, type BuiltImage } from './oci.js';
import type { RegistryClient } from './registry/client.js';
import type { ImageRef } from './registry/ref.js';

export interface PushReport {
  uploaded: number;
  skipped: number;
  mounted: number;
  bytesUploaded: number;
  manifestPushed: boolean;
  requests: number;
}

/**
 * Where blobs were last seen, per registry (digest -> repository), so a push to another
 * repository of the same registry can mount instead of upload (as go-containerregistry does).
 */
export class BlobLocations {
  private data: Record<string, string> | undefined;
  constructor(private readonly registry: string, private readonly dir = cacheDir('nix-image', 'registries')) {}
  private file(): string {
    return join(this.dir, `${this.registry.replace(/[^a-zA-Z0-9.-]/g, '_')}.json`);
  }
  async get(digest: string): Promise<string | undefined> {
    this.data ??= await readFile(this.file(), 'utf8').then((t) => JSON.parse(t) as Record<string, string>, () => ({}));
    return this.data[digest];
  }
  async record(repo: string, digests: string[]): Promise<void> {
    this.data ??= await readFile(this.file(), 'utf8').then((t) => JSON.parse(t) as Record<string, string>, () => ({}));
    for (const d of digests) this.data[d] = repo;
    await writeFileAtomic(this.file(), JSON.stringify(this.data));
  }
}

/**
 * Pushes an image natively: when the tag already points at this manifest nothing else is
 * sent; otherwise each blob is HEADed first and skipped when present, mounted from another
 * repository of the registry when we know one that has it, else uploaded (bounded
 * concurrency); the manifest goes last, so a tag never points at missing blobs.
 */
export async function pushImage(
  client: RegistryClient,
  ref: ImageRef,
  img: BuiltImage,
  opts: { concurrency?: number; locations?: BlobLocations; configFile?: string } = {},
): Promise<PushReport> {
  const before = { ...client.traffic };
  const report: PushReport = { uploaded: 0, skipped: 0, mounted: 0, bytesUploaded: 0, manifestPushed: false, requests: 0 };
  const tag = ref.tag ?? 'latest';
  const accept = [MEDIA.manifest, MEDIA.index, MEDIA.dockerManifest];
  const current = await client.manifestDigest(ref.repository, tag, accept);
  const blobs = [
    ...img.layers.map((l) => ({ digest: l.digest, size: l.size, file: l.file })),
    { digest: img.configDigest, size: img.config.length, file: '' },
  ];
  if (current === img.manifestDigest) {
    report.skipped = blobs.length;
  } else {
    const locations = opts.locations ?? new BlobLocations(client.registry);
    await pool(blobs, opts.concurrency ?? 4, async (b) => {
      if (await client.blobExists(ref.repository, b.digest)) {
        report.skipped++;
        return;
      }
      const from = await locations.get(b.digest);
      if (from && from !== ref.repository && (await client.mountBlob(ref.repository, b.digest, from))) {
        report.mounted++;
        return;
      }
      await client.uploadBlob(ref.repository, b.digest, b.size, b.file || img.config);
      report.uploaded++;
    });
    await client.putManifest(ref.repository, tag, img.manifest, img.mediaType);
    report.manifestPushed = true;
    await locations.record(ref.repository, blobs.map((b) => b.digest));
  }
  report.bytesUploaded = client.traffic.bytesUploaded - before.bytesUploaded;
  report.requests = client.traffic.requests - before.requests;
  return report;
}
