// putFile against the S3 emulator through a proxy that fails and drops PUTs: every attempt
// sends the whole file again (its stream opened anew), signed with the hash given, and what
// lands is the file's bytes; on disk the file is copied in through a temp name. (The emulator
// does not check the payload hash against the body, as S3 does: that refusal is not tested.)
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore, makeS3Client, S3Store } from '../src/index.js';
import { startFaultProxy, tempDir, testBucket } from '../src/testing.js';

const needsS3 = process.env.AWS_ENDPOINT_URL ? false : 'needs the S3 emulator (scripts/testenv up)';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('S3: one PutObject per file, retried with the whole body through failures', { skip: needsS3 }, async (t) => {
  const dir = await tempDir(t);
  const bucket = await testBucket('putfile');
  const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {}, 7);
  t.teardown(() => proxy.close());
  const store = new S3Store(makeS3Client({ endpoint: proxy.url }), { bucket, prefix: 'p' });
  const direct = new S3Store(makeS3Client({}), { bucket, prefix: 'p' });
  proxy.plan({ rates: { error500: 0.35, dropRequest: 0.35 }, maxConsecutive: 3, match: (r) => r.method === 'PUT' });
  for (let i = 0; i < 6; i++) {
    const body = randomBytes((1 << 20) + i * 4099);
    await writeFile(join(dir, `f${i}`), body);
    await store.putFile(`nar/f${i}.nar`, join(dir, `f${i}`), { size: body.length, sha256: sha(body), contentType: 'application/x-nix-nar' });
    const got = await direct.get(`nar/f${i}.nar`);
    t.equal(got && sha(got.body), sha(body), `file ${i}: the bytes landed whole`);
  }
  t.ok(proxy.counts.error500 + proxy.counts.dropRequest > 0, `PUTs were failed on the way (${JSON.stringify(proxy.counts)})`);
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
