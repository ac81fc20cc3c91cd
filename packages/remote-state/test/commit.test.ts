import t from 'tap';
import { Readable } from 'node:stream';
import { makeS3Client, openStore, S3Store, type ObjectStore } from '@iwp/core';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { acquireLock, baseOf, entryKey, envelopeBody, isCasLost, makeEnvelope, ObjectLockBackend, parseState, pointerBody, pointerOf, prune, rekey, releaseLock, Stack, withDigest } from '../src/index.js';
import { bucket, needsS3, tempDir } from './helpers.js';

// A version is one create of `versions/<999999999999 - N>.<N>.json` with If-None-Match: *,
// which takes effect only once the lock read is answered (on S3 its last byte goes then):
// these are the properties that commit must keep, on S3 and on a directory, and how a stack
// in the pointer layout before it moves over.
const state = (value: unknown) => parseState(Buffer.from(JSON.stringify(value)), false, 'test');
const versionsOf = async (store: ObjectStore) => (await store.list('web/versions/')).map((o) => o.key);
const historyOf = async (store: ObjectStore) => (await store.list('web/history/')).map((o) => o.key);

t.test('s3: a push is the lock read and the create of its version, whose last byte goes once the lock read is answered', { skip: needsS3 }, async (t) => {
  const s3 = makeS3Client({});
  const events: string[] = [];
  const name = (ctx: { commandName?: string }, args: { input?: unknown }) => `${ctx.commandName?.replace('Command', '')} ${String((args.input as { Key?: string }).Key).replace(/^p\/web\//, '').replace(/^versions\/.*/, 'version')}`;
  s3.middlewareStack.add((next, ctx) => async (args) => {
    events.push(`send ${name(ctx, args)}`);
    const body = (args.request as { body?: unknown }).body;
    if (body instanceof Readable) body.once('end', () => events.push(`body end ${name(ctx, args)}`));
    const out = await next(args);
    events.push(`answer ${name(ctx, args)}`);
    return out;
  }, { step: 'deserialize', priority: 'low', name: 'watch-wire' });
  const store = new S3Store(s3, { bucket: await bucket('order'), prefix: 'p' });
  const stack = () => new Stack(store, new ObjectLockBackend(store), 'web');
  await stack().init();
  const v1 = await stack().push(state({ v: 1 }), baseOf(undefined));
  events.length = 0;
  await stack().push(state({ v: 2, pad: 'x'.repeat(300_000) }), baseOf(v1));
  t.same(events.filter((e) => e.startsWith('send')), ['send GetObject lock.json', 'send PutObject version'], '2 requests: the lock read, the create');
  t.ok(events.indexOf('body end PutObject version') > events.indexOf('answer GetObject lock.json'), 'its last byte goes after the lock read is answered');
});

for (const kind of ['s3', 'file'] as const) {
  const open = async (t: Parameters<typeof tempDir>[0]) => {
    const store = openStore(kind === 's3' ? `s3://${await bucket('commit')}` : `file://${await tempDir(t, 'iwp-rs-commit-')}`);
    const stack = () => new Stack(store, new ObjectLockBackend(store), 'web');
    await stack().init();
    const v1 = await stack().push(state({ v: 1 }), baseOf(undefined));
    return { store, stack, v1 };
  };

  t.test(`${kind}: a push while someone else holds the lock is refused and writes nothing; the holder's push lands`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    const held = await acquireLock(stack().locks, 'web', { ttlMs: 60_000 });
    await t.rejects(stack().push(state({ v: 'intruder' }), baseOf(v1)), { code: 'LOCK_HELD' }, 'refused: LOCK_HELD (exit 3)');
    t.same(await versionsOf(store), [v1.entry], 'nothing written');
    const mine = await stack().push(state({ v: 'holder' }), baseOf(v1), { lockId: held.info.id });
    t.equal(mine.env.version, 2, 'the holder pushes');
    await releaseLock(stack().locks, 'web', { id: held.info.id, token: held.token });
    t.same((await stack().pull()).env.state, { v: 'holder' });
  });

  t.test(`${kind}: 8 concurrent pushes of one base: one creates the version, 7 are CAS_LOST having written nothing`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => stack().push(state({ writer: i }), baseOf(v1))));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    t.equal(won.length, 1, 'exactly one wins');
    t.ok(results.every((r) => r.status === 'fulfilled' || isCasLost(r.reason)), 'the others lost the race (exit 3)');
    t.same((await stack().pull()).env.state, { writer: won[0] }, 'the state is the winner\'s');
    t.same((await stack().history()).map((h) => h.version), [1, 2]);
    t.equal((await versionsOf(store)).length, 2, 'one object per version, nothing else');
    t.same(await historyOf(store), [], 'nothing in history/');
  });

  t.test(`${kind}: a push run again after its create's answer was lost is recognised, not a new version`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    await stack().push(state({ v: 2 }), baseOf(v1), { writeId: 'first-run' });
    const again = await stack().push(state({ v: 2 }), baseOf(v1), { writeId: 'second-run', earlierWriteId: 'first-run' });
    t.match(again, { env: { version: 2, writeId: 'first-run' } }, 'the earlier run landed: it is this push\'s version');
    t.equal((await versionsOf(store)).length, 2, 'no third version');
    await t.rejects(stack().push(state({ v: 3 }), baseOf(v1), { writeId: 'other' }), { code: 'CAS_LOST' }, 'without that id: a lost race');
  });

  t.test(`${kind}: a re-key writes a version: a push sealed under the old keys loses; based on it, a push seals for the new keys`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    const id = await generateX25519Identity();
    const recipient = await identityToRecipient(id);
    // a Stack that read stack.json before the re-key, as a library user keeps one
    const kept = stack();
    t.ok(await kept.exists());
    const r = await rekey(stack(), { age: [recipient] });
    t.match(r, { version: 2, rewritten: 1 }, 'the state written again as version 2, version 1 sealed again');
    await t.rejects(kept.push(state({ secret: 'hunter2-5c1d' }), baseOf(v1)), { code: 'CAS_LOST' }, 'a push based on version 1 loses');
    const reader = new Stack(store, new ObjectLockBackend(store), 'web', { identities: async () => [id] });
    const v3 = await kept.push(state({ secret: 'hunter3-5c1d' }), baseOf(await reader.head()));
    t.match(v3.env, { version: 3, encryption: { age: [recipient] } }, 'based on version 2: sealed for the new recipient, though stack.json was read before');
    for (const k of await versionsOf(store)) t.notOk(String((await store.get(k))!.body).includes('hunter') || String((await store.get(k))!.body).includes('"v"'), `${k}: no plaintext`);
    t.same((await reader.open((await reader.pull()).env)).state, { secret: 'hunter3-5c1d' });
    t.same((await reader.open((await reader.pull(1)).env)).state, { v: 1 });
  });

  t.test(`${kind}: a stack in the pointer layout is read, pruned, and moves over on its next write`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const store = openStore(kind === 's3' ? `s3://${await bucket('pointer')}` : `file://${await tempDir(t, 'iwp-rs-pointer-')}`);
    const stack = () => new Stack(store, new ObjectLockBackend(store), 'web');
    await stack().init();
    // what the pointer layout wrote: version 1's entry and state.json pointing at it; the
    // entry of a push of version 1 killed before its commit; and one of a push of version 2
    // still in progress
    const entry = (n: number, writeId: string, base: string | null, v: unknown) => {
      const env = withDigest({ ...makeEnvelope('web', n, 'old@host', state(v)), writeId });
      return { env, key: entryKey('web', n, writeId, base) };
    };
    const v1 = entry(1, 'w1', null, { v: 1 });
    const orphan = entry(1, 'killed', null, { v: 'killed' });
    await store.put(v1.key, envelopeBody(v1.env));
    await store.put(orphan.key, envelopeBody(orphan.env));
    const head = await store.put('web/state.json', pointerBody(pointerOf(v1.env, v1.key)));
    t.match(await stack().head(), { env: { version: 1 }, layout: 'pointer' }, 'status: version 1');
    t.same((await stack().pull()).env.state, { v: 1 }, 'pull: version 1');
    t.same((await stack().history()).map((h) => h.version), [1], 'history: version 1 only');
    const inProgress = entry(2, 'in-progress', 'w1', { v: 2 });
    await store.put(inProgress.key, envelopeBody(inProgress.env));
    t.match(await prune(stack()), { kind: 'StatePrune', version: 1, versions: 1, deleted: [orphan.key], dryRun: false }, 'prune: the killed push\'s entry goes, the one in progress stays');

    const base = { version: 1, etag: head.etag, layout: 'pointer' as const, writeId: 'w1', encryption: [] };
    const v2 = await stack().push(state({ v: 2 }), base);
    t.match(v2, { env: { version: 2 }, layout: 'versions' }, 'the next push writes version 2 in versions/');
    t.match(JSON.parse(String((await store.get('web/state.json'))!.body)), { kind: 'StateMoved', version: 1, body: v1.key.slice(4) }, 'state.json is the marker, naming version 1\'s entry');
    t.same((await stack().history()).map((h) => h.version), [1, 2], 'history: 1 from history/, 2 from versions/');
    t.same((await stack().pull(1)).env.state, { v: 1 });
    await t.rejects(stack().push(state({ v: 'stale' }), base), { code: 'CAS_LOST' }, 'a push based on the pointer layout\'s version 1 loses');
    t.match(await prune(stack()), { version: 2, versions: 2, deleted: [inProgress.key] }, 'once moved over no entry can become a version: the one in progress goes too');
    t.same(await historyOf(store), [v1.key], 'version 1 stays');
  });
}
