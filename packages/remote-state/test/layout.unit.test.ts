import t from 'tap';
import { makeEnvelope, parseState, sealEnvelope, stateBytes, stateDigest } from '../src/envelope.js';
import { baseOf, envelopeBody, headerOf, pointerBody, pointerOf, readStateObject } from '../src/layout.js';

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
  t.equal(env.sha256, await stateDigest(json), 'the off-thread digest equals the envelope digest');
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
  t.same(baseOf({ env, etag: '"e"', layout: 'pointer' }), { version: 12, etag: '"e"', layout: 'pointer' });
});
