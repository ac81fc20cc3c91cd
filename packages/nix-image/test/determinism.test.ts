// Layers are made in worker threads and zstd layers hashed beside zstd: the bytes must be
// the ones the code before that gave (fixtures/helloworld-digests.json, recorded with it on
// the test machine), and the ones made on the main thread now.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { LayerCache } from '../src/layer-cache.js';
import { helloworld, nixImage, tempDir } from './helpers.js';

interface Built { digest: string; layers: { digest: string; diffId: string; storePaths: string[] }[] }
const fixture = JSON.parse(await readFile(join(import.meta.dirname, 'fixtures', 'helloworld-digests.json'), 'utf8')) as Record<'gzip' | 'zstd', Built>;

for (const compression of ['gzip', 'zstd'] as const) {
  t.test(`helloworld, ${compression}: the same digests as before and as on the main thread`, async (t) => {
    const dir = await tempDir(t);
    const r = await nixImage(['build', helloworld, '--compression', compression, '--out', `oci-dir:${join(dir, 'oci')}`], { XDG_CACHE_HOME: join(dir, 'cache') });
    t.equal(r.exitCode, 0, String(r.stderr));
    const doc = JSON.parse(String(r.stdout)) as Built;

    const before = fixture[compression];
    const samePaths = JSON.stringify(doc.layers.map((l) => l.storePaths)) === JSON.stringify(before.layers.map((l) => l.storePaths));
    if (samePaths) {
      t.equal(doc.digest, before.digest, 'manifest digest as before');
      t.same(doc.layers.map((l) => [l.digest, l.diffId]), before.layers.map((l) => [l.digest, l.diffId]), 'layer digests and diff ids as before');
    } else {
      t.skip('the recorded closure has other store paths (another machine or nixpkgs): nothing recorded to compare with');
    }

    // each store layer again, on this thread (no worker, hashes in JS for gzip)
    const main = new LayerCache(join(dir, 'main'), compression, 0);
    for (const l of doc.layers.filter((x) => x.storePaths.length)) {
      const { blob } = await main.storeLayer(l.storePaths);
      t.same([blob.digest, blob.diffId], [l.digest, l.diffId], `${l.storePaths.length} path(s): same blob and diff id on the main thread`);
    }
  });
}
