// put with a body in pieces (remote-state's envelope: a large state and a small tail): on S3
// one PutObject of their total length, retried here with a fresh stream of the same pieces
// when the emulator behind a fault proxy fails or drops it; on disk written in order through
// a temp name. Either way the object is the pieces joined, and its ETag that of those bytes.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore, makeS3Client, S3Store } from '../src/index.js';
import { startFaultProxy, tempDir, testBucket } from '../src/testing.js';

const needsS3 = process.env.AWS_ENDPOINT_URL ? false : 'needs the S3 emulator (scripts/testenv up)';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const piecesOf = (i: number) => [Buffer.from('{"state":'), randomBytes((1 << 20) + i * 4099), Buffer.from(`,"n":${i}}\n`)];

t.test('S3: pieces go up as one object, retried whole through failures, signed with the hash given', { skip: needsS3 }, async (t) => {
  const bucket = await testBucket('pieces');
  const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {}, 11);
  t.teardown(() => proxy.close());
  const store = new S3Store(makeS3Client({ endpoint: proxy.url }), { bucket, prefix: 'p' });
  const direct = new S3Store(makeS3Client({}), { bucket, prefix: 'p' });
  proxy.plan({ rates: { error500: 0.35, dropRequest: 0.35 }, maxConsecutive: 3, match: (r) => r.method === 'PUT' });
  for (let i = 0; i < 5; i++) {
    const pieces = piecesOf(i);
    const whole = Buffer.concat(pieces);
    await store.put(`e${i}.json`, pieces, {}, { contentSha256: sha(whole) });
    const got = await direct.get(`e${i}.json`);
    t.equal(got && sha(got.body), sha(whole), `object ${i}: the pieces joined, whole`);
  }
  t.ok(proxy.counts.error500 + proxy.counts.dropRequest > 0, `PUTs were failed on the way (${JSON.stringify(proxy.counts)})`);
  proxy.plan({ rates: {} });
  await t.rejects(direct.put('e0.json', piecesOf(9), { ifNoneMatch: '*' }), { code: 'CAS_LOST' }, 'conditions hold for pieces too');
});

t.test('file://: pieces written in order through a temp name, ETag of the joined bytes', async (t) => {
  const dir = await tempDir(t);
  const store = new FileStore(join(dir, 'store'));
  const pieces = [Buffer.from('{"state":'), randomBytes(300_000), Buffer.from(',"n":1}\n')];
  const whole = Buffer.concat(pieces);
  const { etag } = await store.put('h/e.json', pieces);
  t.equal(etag, (await store.put('h/joined.json', whole)).etag, 'the ETag of the same bytes put whole');
  const got = await store.get('h/e.json');
  t.ok(got?.body.equals(whole), 'the file is the pieces joined');
  t.equal(got?.etag, etag);
  t.same(await readdir(join(dir, 'store', 'h')), ['e.json', 'joined.json'], 'no temp file left');
  await t.rejects(store.put('h/e.json', pieces, { ifNoneMatch: '*' }), { code: 'CAS_LOST' });
});
