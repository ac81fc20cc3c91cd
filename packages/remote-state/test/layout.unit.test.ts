import t from 'tap';
import { lazyEnvelope, makeEnvelope, parseState, sealEnvelope, stateBytes, withDigest } from '../src/envelope.js';
import { createHash } from 'node:crypto';
import { baseOf, bodyHash, envelopeBody, envelopePieces, headerOf, movedBody, pointerBody, pointerOf, readStateObject, prepareState, splicedState } from '../src/layout.js';
import { parseVersionKey, versionKey } from '../src/keys.js';

const when = new Date('2026-01-02T03:04:05.000Z');
const json = parseState(Buffer.from('{"b":[1,2,{"c":"\\u00e9\\n"}],"a":null}'), false, 'test');
const raw = parseState(Buffer.from([0, 1, 2, 255]), true, 'test');

t.test('a JSON state is spliced into its envelope as the bytes pull gives back', async (t) => {
  const env = { ...makeEnvelope('web', 7, 'me@host', json, when), writeId: 'w1' };
  const body = envelopeBody(env, json);
  t.ok(body.includes(json.bytes), 'the pretty-printed bytes are stored as they are (not serialized again)');
  const back = JSON.parse(body.toString('utf8'));
  t.same(back, env, 'the stored bytes parse to the same envelope');
  t.same(stateBytes(back), json.bytes, 'and pull gives back the same bytes');
  const pieces = envelopePieces(env, json);
  t.same(Buffer.concat(pieces), body, 'sent in pieces: the same bytes');
  t.equal(pieces[1], json.bytes, 'the state is a piece of its own, not copied');
  const prepared = await prepareState(json);
  t.equal(prepared.sha256, env.sha256, 'prepareState gives the state\'s SHA-256');
  t.equal(bodyHash(prepared.prefix, pieces, env, json), createHash('sha256').update(body).digest('hex'), 'the body hash finished from its prefix is the body\'s SHA-256');
  t.equal(bodyHash(prepared.prefix, pieces, env, json), bodyHash(prepared.prefix, pieces, env, json), 'and the prefix can be finished again (a re-seal)');
});

t.test('bytes, age ciphertext and a missing parse are serialized whole', async (t) => {
  const env = makeEnvelope('web', 1, 'me@host', raw, when);
  t.same(JSON.parse(envelopeBody(env, raw).toString('utf8')), env);
  const kms = await sealEnvelope(makeEnvelope('web', 2, 'me@host', json, when), { kmsKeyId: 'k1' });
  t.same(JSON.parse(envelopeBody(kms, json).toString('utf8')), kms, 'SSE-KMS: the state spliced, the key named');
  t.same(JSON.parse(envelopeBody(kms).toString('utf8')), kms, 'without the parsed input: serialized whole');
});

t.test('state.json: a pointer carries the metadata and no state; the old layout is a whole envelope', async (t) => {
  const env = { ...makeEnvelope('web', 12, 'me@host', json, when), writeId: 'w2', encryption: { kms: 'k1' } };
  const p = pointerOf(env);
  t.same(p, { apiVersion: 'iwp/v1', kind: 'StatePointer', stack: 'web', version: 12, updatedBy: 'me@host', updatedAt: when.toISOString(), sha256: env.sha256, size: env.size, encoding: 'json', encryption: { kms: 'k1' }, writeId: 'w2', body: 'history/000000000012.json' });
  t.notOk(pointerBody(p).includes('"state"'), 'no state in the pointer');
  const read = readStateObject(Buffer.from(pointerBody(p)), 'state.json');
  t.equal(read.layout, 'pointer');
  const { state: _s, ...meta } = env;
  t.same(read.layout === 'pointer' && headerOf(read.pointer), meta, 'the header is the envelope without its state');
  const old = readStateObject(Buffer.from(JSON.stringify(env)), 'state.json');
  t.same(old, { layout: 'envelope', env });
  t.throws(() => readStateObject(Buffer.from('{"kind":"Other","version":1}'), 'x/state.json'), /x\/state.json is not a remote-state state object/);
  t.throws(() => readStateObject(Buffer.from('not json'), 'x/state.json'), /not a remote-state state object/);
  t.same(baseOf(undefined), { version: null, etag: null });
  t.same(baseOf({ env, etag: '"e"', layout: 'pointer' }), { version: 12, etag: '"e"', layout: 'pointer', writeId: 'w2', encryption: ['kms:k1'] });
  t.equal(pointerOf(env, 'web/history/000000000012.w2.w1.json').body, 'history/000000000012.w2.w1.json', 'or the entry it was staged in');
});

t.test('an envelope without its digest gets it on read', async (t) => {
  const full = makeEnvelope('web', 3, 'me@host', json, when);
  const { sha256: _d, ...bare } = full;
  t.same(withDigest(bare), full, 'hashed from the bytes pull gives back');
  t.equal(withDigest(bare, 'known').sha256, 'known', 'or the digest state.json names');
  t.equal(withDigest(full, 'other').sha256, full.sha256, 'a stored digest wins');
  const { sha256: _r, ...rawBare } = makeEnvelope('web', 4, 'me@host', raw, when);
  t.equal(withDigest(rawBare).sha256, makeEnvelope('web', 4, 'me@host', raw, when).sha256, 'bytes too');
});

t.test('pull takes a spliced JSON state from the stored bytes without parsing them, its digest checked', async (t) => {
  const env = makeEnvelope('web', 5, 'me@host', json, when);
  const body = envelopeBody(env, json);
  const bytes = splicedState(body, env.size, env.sha256!);
  t.same(bytes, json.bytes, 'the exact bytes pull gives back');
  t.equal(splicedState(body, env.size, '0'.repeat(64)), undefined, 'another digest: not taken (the object is parsed instead)');
  t.equal(splicedState(body, env.size - 1, env.sha256!), undefined, 'another size: not taken');
  t.equal(splicedState(Buffer.from(JSON.stringify(env)), env.size, env.sha256!), undefined, 'a compact envelope (old layout): not taken');
  const { state: _s, ...meta } = env;
  const lazy = lazyEnvelope(meta, bytes!);
  t.equal(stateBytes(lazy), bytes, 'stateBytes gives the stored bytes as they are');
  t.same(lazy.state, env.state, 'state parses on first read');
  t.same(JSON.parse(JSON.stringify(lazy)), env, 'and serializes like the envelope');
});

t.test('the versions layout: keys list newest first and name their version; state.json is a marker older clients refuse', async (t) => {
  const keys = [1, 2, 9, 10, 11, 100].map((n) => versionKey('web', n));
  t.same([...keys].sort(), [...keys].reverse(), 'in key order the newest version comes first');
  t.equal(versionKey('web', 42), 'web/versions/999999999957.000000000042.json');
  t.same(keys.map(parseVersionKey), [1, 2, 9, 10, 11, 100], 'and each key names its version');
  t.equal(parseVersionKey('web/versions/999999999957.000000000041.json'), undefined, 'two numbers that disagree are no version key');
  t.equal(parseVersionKey('web/history/000000000042.json'), undefined);
  const env = { ...makeEnvelope('web', 12, 'me@host', json, when), writeId: 'w2' };
  const moved = readStateObject(Buffer.from(movedBody('web', pointerOf(env, 'web/history/000000000012.w2.w1.json'))), 'state.json');
  t.match(moved, { layout: 'moved', marker: { kind: 'StateMoved', version: 12, body: 'history/000000000012.w2.w1.json', writeId: 'w2' } }, 'naming the last version of the older layout');
  t.same(readStateObject(Buffer.from(movedBody('web', undefined)), 'state.json'), { layout: 'moved', marker: { apiVersion: 'iwp/v1', kind: 'StateMoved', stack: 'web', version: 0 } }, 'or none');
  t.same(baseOf({ env, etag: '"e"', layout: 'versions' }), { version: 12, etag: '"e"', layout: 'versions', writeId: 'w2', encryption: [] }, 'a version of this layout gives its encryption to seal under');
});
