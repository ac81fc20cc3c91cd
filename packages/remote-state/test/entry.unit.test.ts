import t from 'tap';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { FileStore, makeS3Client, S3Store, type PutBody, type StoredObject } from '@iwp/core';
import { tempDir } from '@iwp/core/testing';
import { ENTRY_META, entryOf, readEntry } from '../src/entry.js';
import { makeEnvelope, openEnvelope, parseState, sealEnvelope, stateBytes, withDigest } from '../src/envelope.js';
import { envelopeBody, prepareState } from '../src/layout.js';

// the stores are real objects; nothing here sends a request: entryOf only asks whether the store keeps metadata
const s3 = new S3Store(makeS3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9' }), { bucket: 'unit' });
const when = new Date('2026-01-02T03:04:05.000Z');
const json = parseState(Buffer.from('{"b":[1,2,{"c":"\\u00e9\\n"}],"a":null}'), false, 'test');
const raw = parseState(Buffer.from([0, 1, 2, 255]), true, 'test');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const joined = (b: PutBody) => (Buffer.isBuffer(b) ? b : typeof b === 'string' ? Buffer.from(b) : Buffer.concat(b as Buffer[]));
/** the object a store gives back after the entry is put (S3 returns metadata as sent) */
const stored = (e: ReturnType<typeof entryOf>): StoredObject => ({ body: joined(e.body), etag: '"e"', ...(e.metadata ? { metadata: e.metadata } : {}) });

t.test('on S3 an entry is bare: the state\'s bytes as pull gives them, the envelope header in its metadata', async (t) => {
  const env = withDigest({ ...makeEnvelope('web', 7, 'zoë@höst', json, when), writeId: 'w1' });
  const prepared = await prepareState(json, false);
  t.same(prepared, { sha256: env.sha256, prefix: undefined }, 'prepared for a bare entry: the state\'s digest, no envelope hash');
  const e = entryOf(s3, env, json, prepared);
  t.equal(e.body, json.bytes, 'the body is the state\'s bytes, not copied');
  t.equal(e.sha256, env.sha256, 'its SHA-256 is the state\'s digest: hashed once');
  const header = e.metadata![ENTRY_META]!;
  t.match(header, /^[\x20-\x7e]+$/, 'the header is US-ASCII (an HTTP header value)');
  const { state: _s, ...meta } = env;
  t.same(JSON.parse(header), meta, 'and is the envelope without its state (non-ASCII escaped, not lost)');
  const back = readEntry(stored(e), 'entry');
  t.same(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(env)), 'read back: the same envelope');
  t.equal(stateBytes(back), json.bytes, 'pull gives back the stored bytes as they are');
});

t.test('bytes (--raw) and age ciphertext are bare too', async (t) => {
  const bytes = withDigest(makeEnvelope('web', 1, 'me@host', raw, when));
  const e = entryOf(s3, bytes, raw);
  t.same(joined(e.body), raw.bytes);
  t.same(readEntry(stored(e), 'entry'), bytes, 'read back with its data');
  const recipient = await identityToRecipient(await generateX25519Identity());
  const sealed = withDigest(await sealEnvelope(makeEnvelope('web', 2, 'me@host', json, when), { age: [recipient] }));
  const a = entryOf(s3, sealed, json);
  t.equal(sha(joined(a.body)), sealed.sha256, 'the body is the ciphertext, its digest the one the envelope names');
  t.same(readEntry(stored(a), 'entry'), sealed, 'read back: the ciphertext, to be opened with an identity');
});

t.test('a directory, or a header over S3\'s 2 KB, stores the whole envelope', async (t) => {
  const dir = new FileStore(join(await tempDir(t), 's'));
  const env = withDigest(makeEnvelope('web', 3, 'me@host', json, when));
  const prepared = await prepareState(json);
  const e = entryOf(dir, env, json, prepared);
  t.equal(e.metadata, undefined, 'no metadata');
  t.same(joined(e.body), envelopeBody(env, json), 'the envelope, the state spliced in');
  t.equal(e.sha256, sha(joined(e.body)), 'signed with the body hash finished from the prepared prefix');
  t.same(JSON.parse(JSON.stringify(readEntry(stored(e), 'entry'))), JSON.parse(JSON.stringify(env)), 'read back');
  const recipients = await Promise.all(Array.from({ length: 40 }, async () => identityToRecipient(await generateX25519Identity())));
  const many = withDigest(await sealEnvelope(makeEnvelope('web', 4, 'me@host', json, when), { age: recipients }));
  const m = entryOf(s3, many, json);
  t.equal(m.metadata, undefined, `40 age recipients: no room in the metadata, the envelope is the body`);
  t.same(readEntry(stored(m), 'entry'), many, 'read back');
});

t.test('a bare entry whose bytes are not the version\'s, or whose header is not an envelope\'s, is refused', async (t) => {
  const env = withDigest(makeEnvelope('web', 5, 'me@host', json, when));
  const e = stored(entryOf(s3, env, json));
  const changed = Buffer.from(e.body);
  changed[2] ^= 1;
  t.throws(() => readEntry({ ...e, body: changed }, 'web version 5'), { code: 'FAILED', message: /^web version 5: its bytes \(sha256 [0-9a-f]{64}, \d+ bytes\) are not the version's/ });
  t.throws(() => readEntry({ ...e, metadata: { [ENTRY_META]: '{"kind":"Other"}' } }, 'web version 5'), { code: 'FAILED', message: /metadata iwp-state is not a remote-state envelope header/ });
  t.throws(() => readEntry({ ...e, metadata: {} }, 'web version 5'), /not a remote-state state object/, 'no header: read as an envelope, which raw state bytes are not');
});

t.test('re-sealing an entry as read (rekey) keeps its bytes, neither parsed nor serialized again', async (t) => {
  const env = withDigest(makeEnvelope('web', 6, 'me@host', json, when));
  const back = readEntry(stored(entryOf(s3, env, json)), 'entry');
  const kms = withDigest(await sealEnvelope(back, { kmsKeyId: 'k1' }));
  t.equal(stateBytes(kms), stateBytes(back), 'SSE-KMS: the same buffer');
  t.same(kms.encryption, { kms: 'k1' });
  const again = entryOf(s3, kms);
  t.equal(again.body, stateBytes(back), 'written again from those bytes');
  t.equal(again.sha256, env.sha256, 'with the same digest');
  const identity = await generateX25519Identity();
  const sealed = withDigest(await sealEnvelope(back, { age: [await identityToRecipient(identity)] }));
  const opened = await openEnvelope(readEntry(stored(entryOf(s3, sealed)), 'entry'), async () => [identity], 'entry');
  t.same(stateBytes(opened), json.bytes, 'age: opened, the plaintext bytes as pushed');
  t.equal(opened.sha256, env.sha256, 'and their digest');
});
