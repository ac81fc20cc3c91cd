// User metadata kept with an object (remote-state's bare history entries carry their
// envelope in it): S3 stores and returns it, a copy keeps it, a write without it drops it;
// a directory keeps none and says so.
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore, makeS3Client, S3Store } from '../src/index.js';
import { needsS3, tempDir, testBucket } from '../src/testing.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('S3: metadata goes up with the body and comes back with it; a copy keeps it', { skip: needsS3 }, async (t) => {
  const store = new S3Store(makeS3Client({}), { bucket: await testBucket('meta'), prefix: 'p' });
  t.equal(store.keepsMetadata, true);
  const body = randomBytes(200_000);
  const header = JSON.stringify({ kind: 'StackState', version: 7, updatedBy: 'zo\\u00eb@host' });
  const { etag } = await store.put('h/e.json', body, { ifNoneMatch: '*' }, { metadata: { 'iwp-state': header }, contentSha256: sha(body) });
  const got = await store.get('h/e.json');
  t.ok(got?.body.equals(body), 'the body as sent');
  t.same(got?.metadata, { 'iwp-state': header }, 'the metadata as sent, byte for byte');
  t.equal(got?.etag, etag);
  t.same(await store.head('h/e.json'), { size: body.length, etag, modified: (await store.head('h/e.json'))?.modified, metadata: { 'iwp-state': header } }, 'head gives it too, without the body');
  await store.copy('h/e.json', 'h/copy.json', etag);
  t.same((await store.get('h/copy.json'))?.metadata, { 'iwp-state': header }, 'a copy keeps it');
  await store.put('h/e.json', Buffer.from('{}'), { ifMatch: etag });
  t.equal((await store.get('h/e.json'))?.metadata, undefined, 'a write without metadata leaves none');
});

t.test('file://: a directory keeps no metadata and refuses to be given any', async (t) => {
  const store = new FileStore(join(await tempDir(t), 'store'));
  t.equal(store.keepsMetadata, false);
  await t.rejects(store.put('e.json', Buffer.from('{}'), {}, { metadata: { 'iwp-state': '{}' } }), /keeps no object metadata/);
  t.equal(await store.get('e.json'), undefined, 'nothing written');
});

for (const kind of ['s3', 'file'] as const) {
  t.test(`${kind}: list with a limit gives the first keys in key order`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const store = kind === 's3' ? new S3Store(makeS3Client({}), { bucket: await testBucket('list'), prefix: 'p' }) : new FileStore(join(await tempDir(t), 'store'));
    for (const k of ['v/3', 'v/1', 'v/2', 'w/0']) await store.put(k, '{}');
    t.same((await store.list('v/', { limit: 1 })).map((o) => o.key), ['v/1']);
    t.same((await store.list('v/', { limit: 2 })).map((o) => o.key), ['v/1', 'v/2']);
    t.same((await store.list('v/')).map((o) => o.key), ['v/1', 'v/2', 'v/3'], 'no limit: every key');
    t.same(await store.list('x/', { limit: 1 }), [], 'none under the prefix');
  });
}

t.test('file://: a listing skips writes in progress, files and directories whose names end .tmp', async (t) => {
  const dir = join(await tempDir(t), 'store');
  const store = new FileStore(dir);
  await store.put('nar/a.nar', 'a');
  await mkdir(join(dir, 'nar', 'b.nar.1234.tmp'), { recursive: true });
  await writeFile(join(dir, 'nar', 'c.nar.1234.tmp'), 'c');
  await mkdir(join(dir, '.push-1-ab.tmp', 'nar'), { recursive: true });
  await writeFile(join(dir, '.push-1-ab.tmp', 'x.narinfo'), 'x');
  await writeFile(join(dir, '.push-1-ab.tmp', 'nar', 'x.nar'), 'x');
  t.same((await store.list('')).map((o) => o.key), ['nar/a.nar']);
  t.same((await store.list('nar/')).map((o) => o.key), ['nar/a.nar']);
});
