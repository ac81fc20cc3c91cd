// core's AWS SDK chunk (aws-sdk.ts, built by scripts/build-cli.mjs): the names core takes
// (AWS_SDK_CHUNK) bundled from the SDK's ES modules, the rest of the SDK left out, and what
// the tools load through awsSdk(). An S3 store on a client made from it sends every request
// core sends, a multipart upload included, to the emulator.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { AWS_SDK_CHUNK, awsSdk, awsSdkChunkFiles, loadAwsSdkChunk } from '../src/aws-sdk.js';
import { makeS3Client, S3Store } from '../src/index.js';
import { needsS3, tempDir, testBucket } from '../src/testing.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// built (or found up to date) before anything here loads the SDK
const built = spawnSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs'), 'core'], { encoding: 'utf8' });

t.test('the chunk holds the names core takes and leaves the rest of the SDK out', async (t) => {
  t.equal(built.status, 0, `build-cli core: ${built.stderr}`);
  const files = awsSdkChunkFiles();
  const { modules, rejected } = loadAwsSdkChunk(files.code, readFileSync(files.cache));
  t.equal(rejected, false, "V8 takes the chunk's code cache");
  t.same(Object.keys(modules).sort(), Object.keys(AWS_SDK_CHUNK).sort());
  for (const [name, names] of Object.entries(AWS_SDK_CHUNK)) {
    t.same(Object.keys(modules[name as keyof typeof modules] ?? {}).sort(), [...names].sort(), `${name}: exactly its names`);
  }
  const code = readFileSync(files.code, 'utf8');
  t.match(code, /\bPutObjectCommand = class\b/);
  // commands core never sends are not in it (the whole client is ~1.5 MB, ~100 commands)
  for (const unused of ['PutBucketLifecycleConfigurationCommand', 'SelectObjectContentCommand', 'PutBucketPolicyCommand']) {
    t.notMatch(code, new RegExp(`\\b${unused}\\b`), `${unused} left out`);
  }
  // and it is what awsSdk() hands out while it is fresh
  t.same(Object.keys(awsSdk('@aws-sdk/client-s3')).sort(), [...AWS_SDK_CHUNK['@aws-sdk/client-s3']].sort());
});

t.test('an S3 store on a client from the chunk: every request core sends', { skip: needsS3 }, async (t) => {
  t.equal(Object.keys(awsSdk('@aws-sdk/lib-storage')).join(), 'Upload', 'lib-storage from the chunk');
  const bucket = await testBucket('chunk'); // CreateBucket
  const store = new S3Store(makeS3Client({}), { bucket, prefix: 'p/' });
  await store.ensureReachable(); // HeadBucket

  const { etag } = await store.put('a.json', '{"v":1}', { ifNoneMatch: '*' });
  t.match(etag, /^"[0-9a-f]{32}"$/);
  const body = randomBytes(3 * 1024 * 1024);
  await store.put('b.bin', body, {}, { contentSha256: sha256(body) });
  t.equal((await store.head('b.bin'))?.size, body.length);
  t.equal(sha256((await store.get('b.bin'))!.body), sha256(body));

  const dir = await tempDir(t);
  const file = join(dir, 'nar');
  await writeFile(file, body);
  await store.putFile('c.nar', file, { size: body.length, sha256: sha256(body) });
  t.equal(sha256((await store.get('c.nar'))!.body), sha256(body), 'putFile: the file signed with its hash');

  // a stream of unknown length goes up in 8 MiB parts (lib-storage's Upload): 3 parts
  const big = randomBytes(17 * 1024 * 1024);
  await store.putStream('d.bin', Readable.from([big.subarray(0, 9e6), big.subarray(9e6)]));
  t.equal(sha256((await store.get('d.bin'))!.body), sha256(big), 'multipart upload');

  await store.copy('a.json', 'e.json', etag);
  t.equal((await store.get('e.json'))?.body.toString(), '{"v":1}');
  t.same((await store.list('')).map((e) => e.key).sort(), ['a.json', 'b.bin', 'c.nar', 'd.bin', 'e.json']);
  await store.delete('a.json', { ifMatch: etag });
  t.equal(await store.get('a.json'), undefined);
});
