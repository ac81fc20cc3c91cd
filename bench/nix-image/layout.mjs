// A fresh OCI layout with the shape of a built image: layers of the same sizes, each a valid
// gzip stream of new data, so neither skopeo's blob-info cache nor ours has seen any blob.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
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
  const layers = sizes.map((want) => {
    const h = createHash('sha256');
    const tmp = join(blobs, 'tmp');
    const fd = openSync(tmp, 'w');
    let size = 0;
    while (size < want) {
      const b = gzipSync(randomBytes(Math.min(1 << 22, Math.ceil((want - size) * 0.76))).toString('base64'), { level: 1 });
      h.update(b);
      writeSync(fd, b);
      size += b.length;
    }
    closeSync(fd);
    const d = h.digest('hex');
    renameSync(tmp, join(blobs, d));
    return { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${d}`, size };
  });
  const config = put(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) } })));
  const manifest = put(Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config }, layers })));
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'latest' } }] }));
}
