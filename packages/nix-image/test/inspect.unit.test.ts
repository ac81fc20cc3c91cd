import t from 'tap';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { validateDocument } from '@iwp/core';
import { tempDir } from '@iwp/core/testing';
import { inspectOciDir } from '../src/inspect.js';

// An OCI layout written by hand (no registry, no nix): inspect's Image document must pass the
// contract's schema, and a config without rootfs.diff_ids is refused instead of printing
// `diffId: ""` (which every consumer of the Image would then reject).
async function layout(dir: string, diffIds: string[] | undefined) {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (body: string) => {
    const hex = createHash('sha256').update(body).digest('hex');
    await writeFile(join(blobs, hex), body);
    return { digest: `sha256:${hex}`, size: Buffer.byteLength(body) };
  };
  const layer = await put('layer bytes');
  const config = await put(JSON.stringify({ os: 'linux', architecture: 'amd64', ...(diffIds ? { rootfs: { type: 'layers', diff_ids: diffIds } } : {}) }));
  const manifest = await put(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
  }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } }] }));
}

t.test('inspect of an OCI layout prints an Image the contract accepts', async (t) => {
  const dir = await tempDir(t);
  await layout(dir, [`sha256:${'b'.repeat(64)}`]);
  const img = await inspectOciDir(dir);
  t.doesNotThrow(() => validateDocument(img, ['Image'], 'inspect'));
  t.match(img, { ref: `oci-dir:${dir}`, tag: 'v1', layers: [{ diffId: `sha256:${'b'.repeat(64)}` }] });
});

t.test('a config without diff_ids is refused, not printed as diffId ""', async (t) => {
  const dir = await tempDir(t);
  await layout(dir, undefined);
  await t.rejects(inspectOciDir(dir), { code: 'FAILED', message: /lists 0 diff_ids for 1 layers/ });
});
