// Bodies the AWS SDK cannot send again, which the store resends itself: putFile (a finished
// file, its stream opened anew on each attempt) and put with a body in pieces (remote-state's
// envelope: a large state and a small tail; a fresh stream of the same pieces each time).
// On S3 they go through a proxy that fails and drops PUTs in front of the emulator, signed
// with the hash given, and what lands is the whole body; on disk they are written through a
// temp name. (The emulator does not check the payload hash against the body, as S3 does:
// that refusal is not tested.)
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore, makeS3Client, S3Store } from '../src/index.js';
import { needsS3, startFaultProxy, tempDir, testBucket } from '../src/testing.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const piecesOf = (i: number) => [Buffer.from('{"state":'), randomBytes((1 << 20) + i * 4099), Buffer.from(`,"n":${i}}\n`)];

/** A store whose PUTs go through a proxy that fails and drops them, and one straight to the emulator, on one new bucket. */
async function behindFaults(t: Parameters<typeof tempDir>[0], name: string, seed: number) {
  const bucket = await testBucket(name);
  const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {}, seed);
  t.teardown(() => proxy.close());
  proxy.plan({ rates: { error500: 0.35, dropRequest: 0.35 }, maxConsecutive: 3, match: (r) => r.method === 'PUT' });
  const failed = () => proxy.counts.error500 + proxy.counts.dropRequest;
  return { proxy, failed, store: new S3Store(makeS3Client({ endpoint: proxy.url }), { bucket, prefix: 'p' }), direct: new S3Store(makeS3Client({}), { bucket, prefix: 'p' }) };
}

t.test('S3: one PutObject per file, retried with the whole body through failures', { skip: needsS3 }, async (t) => {
  const dir = await tempDir(t);
  const { proxy, failed, store, direct } = await behindFaults(t, 'putfile', 7);
  for (let i = 0; i < 6; i++) {
    const body = randomBytes((1 << 20) + i * 4099);
    await writeFile(join(dir, `f${i}`), body);
    await store.putFile(`nar/f${i}.nar`, join(dir, `f${i}`), { size: body.length, sha256: sha(body), contentType: 'application/x-nix-nar' });
    const got = await direct.get(`nar/f${i}.nar`);
    t.equal(got && sha(got.body), sha(body), `file ${i}: the bytes landed whole`);
  }
  t.ok(failed() > 0, `PUTs were failed on the way (${JSON.stringify(proxy.counts)})`);
  t.equal((await direct.head('nar/f0.nar'))?.size, (1 << 20));
});

t.test('file://: putFile copies the file in through a temp name', async (t) => {
  const dir = await tempDir(t);
  const store = new FileStore(join(dir, 'store'));
  const body = randomBytes(300_000);
  await writeFile(join(dir, 'f'), body);
  await store.putFile('nar/a.nar', join(dir, 'f'), { size: body.length, sha256: sha(body) });
  t.ok((await readFile(join(dir, 'store', 'nar', 'a.nar'))).equals(body));
  t.same(await readdir(join(dir, 'store', 'nar')), ['a.nar'], 'no temp file left');
});

t.test('S3: pieces go up as one object, retried whole through failures, signed with the hash given', { skip: needsS3 }, async (t) => {
  const { proxy, failed, store, direct } = await behindFaults(t, 'pieces', 11);
  for (let i = 0; i < 5; i++) {
    const pieces = piecesOf(i);
    const whole = Buffer.concat(pieces);
    await store.put(`e${i}.json`, pieces, {}, { contentSha256: sha(whole) });
    const got = await direct.get(`e${i}.json`);
    t.equal(got && sha(got.body), sha(whole), `object ${i}: the pieces joined, whole`);
  }
  t.ok(failed() > 0, `PUTs were failed on the way (${JSON.stringify(proxy.counts)})`);
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
