// A fresh OCI layout with the shape of a built image: layers of the same sizes, each a valid
// gzip stream of new data, so neither skopeo's blob-info cache nor ours has seen any blob.
// The layers are stored gzip (deflate level 0) of random bytes: a push moves bytes and never
// decompresses them, so their content does not matter to it, and this costs ~0.5 s a layout
// where compressing base64 text at level 1 took ~5.8 s (nine layouts a bench run).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function freshLayout(dir, sizes) {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (buf) => {
    const d = createHash('sha256').update(buf).digest('hex');
    writeFileSync(join(blobs, d), buf);
    return { digest: `sha256:${d}`, size: buf.length };
  };
  // stored deflate's block headers make a layer under 0.01% larger than the size asked for
  const layers = sizes.map((want) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(gzipSync(randomBytes(want), { level: 0 })) }));
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } })));
  const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
}
