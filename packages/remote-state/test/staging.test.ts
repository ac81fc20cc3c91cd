import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeS3Client, openStore, S3Store, type ObjectStore } from '@iwp/core';
import { generateX25519Identity, identityToRecipient } from 'age-encryption';
import { acquireLock, baseOf, entryKey, envelopeBody, isCasLost, makeEnvelope, ObjectLockBackend, parseState, prune, releaseLock, Stack } from '../src/index.js';
import { bucket, needsS3, tempDir } from './helpers.js';

// A version's entry is written before its commit (the swap of state.json), while the lock is
// checked: these are the properties that order must keep, on S3 and on a directory.
const state = (value: unknown) => parseState(Buffer.from(JSON.stringify(value)), false, 'test');
const historyOf = async (store: ObjectStore) => (await store.list('web/history/')).map((o) => o.key);

t.test('s3: a push is the lock read, the entry, then the commit, sent only once both are answered and prepared while the entry uploads', { skip: needsS3 }, async (t) => {
  const s3 = makeS3Client({});
  const events: string[] = [];
  const name = (ctx: { commandName?: string }, args: { input?: unknown }) => `${ctx.commandName?.replace('Command', '')} ${String((args.input as { Key?: string }).Key).replace(/^p\/web\//, '').replace(/^history\/.*/, 'entry')}`;
  s3.middlewareStack.add((next, ctx) => (args) => {
    events.push(`ready ${name(ctx, args)}`);
    return next(args);
  }, { step: 'serialize', priority: 'low', name: 'watch-ready' });
  s3.middlewareStack.add((next, ctx) => async (args) => {
    events.push(`send ${name(ctx, args)}`);
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
  t.same(events.filter((e) => e.startsWith('send')), ['send GetObject lock.json', 'send PutObject entry', 'send PutObject state.json'], '3 requests: the lock read, the entry, the commit');
  const at = (e: string) => events.indexOf(e);
  t.ok(at('send PutObject state.json') > at('answer PutObject entry'), 'the commit is sent after the entry is stored');
  t.ok(at('send PutObject state.json') > at('answer GetObject lock.json'), 'and after the lock read is answered');
  t.ok(at('ready PutObject state.json') < at('answer PutObject entry'), 'it was serialized while the entry uploaded');
});

for (const kind of ['s3', 'file'] as const) {
  const open = async (t: Parameters<typeof tempDir>[0]) => {
    const store = openStore(kind === 's3' ? `s3://${await bucket('staging')}` : `file://${await tempDir(t, 'iwp-rs-staging-')}`);
    const stack = () => new Stack(store, new ObjectLockBackend(store), 'web');
    await stack().init();
    const v1 = await stack().push(state({ v: 1 }), baseOf(undefined));
    return { store, stack, v1 };
  };

  t.test(`${kind}: a push while someone else holds the lock is refused and leaves no entry; the holder's push lands`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    const held = await acquireLock(stack().locks, 'web', { ttlMs: 60_000 });
    await t.rejects(stack().push(state({ v: 'intruder' }), baseOf(v1)), { code: 'LOCK_HELD' }, 'refused: LOCK_HELD (exit 3)');
    t.same(await historyOf(store), [v1.entry], 'its entry, written while the lock was read, is deleted');
    t.match(await stack().head(), { env: { version: 1 } }, 'state.json unchanged');
    const mine = await stack().push(state({ v: 'holder' }), baseOf(v1), { lockId: held.info.id });
    t.equal(mine.env.version, 2, 'the holder pushes');
    await releaseLock(stack().locks, 'web', { id: held.info.id, token: held.token });
    t.same((await stack().pull()).env.state, { v: 'holder' });
  });

  t.test(`${kind}: 8 concurrent pushes of one base: one commits, 7 are CAS_LOST and delete their entries`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => stack().push(state({ writer: i }), baseOf(v1))));
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    t.equal(won.length, 1, 'exactly one wins');
    t.ok(results.every((r) => r.status === 'fulfilled' || isCasLost(r.reason)), 'the others lost the race (exit 3)');
    t.same((await stack().pull()).env.state, { writer: won[0] }, 'the state is the winner\'s');
    t.same((await stack().history()).map((h) => h.version), [1, 2]);
    t.equal((await historyOf(store)).length, 2, 'no entry of a lost push is left');
  });

  t.test(`${kind}: a push killed between its entry and its commit leaves no version`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    // what such a push leaves: its entry for version 2, which state.json never named
    const env = { ...makeEnvelope('web', 2, 'killed@host', state({ v: 'killed' })), writeId: 'killed' };
    const orphan = entryKey('web', 2, 'killed', v1.env.writeId);
    await store.put(orphan, envelopeBody(env));
    t.match(await stack().head(), { env: { version: 1 } }, 'status: version 1');
    t.same((await stack().pull()).env.state, { v: 1 }, 'pull: version 1');
    t.same((await stack().history()).map((h) => h.version), [1], 'history: version 1 only');
    await t.rejects(stack().pull(2), { code: 'NOT_FOUND' }, 'pull --version 2: not found');
    const v2 = await stack().push(state({ v: 2 }), baseOf(v1));
    t.equal(v2.env.version, 2, 'the next push writes version 2');
    t.same((await stack().pull(2)).env.state, { v: 2 }, 'version 2 is that push\'s, not the killed one\'s');
    t.same((await stack().history()).map((h) => h.version), [1, 2]);
    t.ok((await historyOf(store)).includes(orphan), 'the unused entry stays, ignored');

    // prune: the unused entry goes; versions and an entry above the current version (a push
    // in progress, which may still commit) stay
    const inProgress = entryKey('web', 3, 'in-progress', v2.env.writeId);
    await store.put(inProgress, envelopeBody({ ...makeEnvelope('web', 3, 'busy@host', state({ v: 3 })), writeId: 'in-progress' }));
    const dry = await prune(stack(), { dryRun: true });
    t.match(dry, { kind: 'StatePrune', version: 2, versions: 2, deleted: [orphan], dryRun: true }, 'dry run: names the unused entry only');
    t.ok((await historyOf(store)).includes(orphan), 'and deletes nothing');
    const held = await acquireLock(stack().locks, 'web', { ttlMs: 60_000 });
    await t.rejects(prune(stack()), { code: 'LOCK_HELD' }, 'someone else\'s live lock refuses it');
    t.match(await prune(stack(), { lockId: held.info.id }), { deleted: [orphan], dryRun: false }, 'the holder prunes');
    await releaseLock(stack().locks, 'web', { id: held.info.id, token: held.token });
    t.same((await historyOf(store)).sort(), [v1.entry, v2.entry, inProgress].sort(), 'the versions and the push in progress stay');
    t.same((await stack().history()).map((h) => h.version), [1, 2], 'history unchanged');
    t.same((await stack().pull(1)).env.state, { v: 1 });
    t.match(await prune(stack()), { deleted: [] }, 'nothing left to prune');
  });

  t.test(`${kind}: a push run again after its commit's answer was lost is recognised, not a new version`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    const v2 = await stack().push(state({ v: 2 }), baseOf(v1), { writeId: 'first-run' });
    const again = await stack().push(state({ v: 2 }), baseOf(v1), { writeId: 'second-run', earlierWriteId: 'first-run' });
    t.match(again, { env: { version: 2, writeId: 'first-run' } }, 'the earlier run landed: it is this push\'s version');
    t.same((await historyOf(store)).sort(), [v1.entry, v2.entry].sort(), 'the second run\'s entry is deleted');
    await t.rejects(stack().push(state({ v: 3 }), baseOf(v1), { writeId: 'other' }), { code: 'CAS_LOST' }, 'without that id: a lost race');
  });

  t.test(`${kind}: a push whose swap finds state.json changed in place by a lock holder (a re-key under way) is refused`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    let holder: Awaited<ReturnType<typeof acquireLock>> | undefined;
    // once the entry is written (the lock read has answered: free), a re-key takes the lock
    // and marks state.json in place before the push swaps it
    const hooked = new Proxy(store, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop !== 'put') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        return async (...args: Parameters<ObjectStore['put']>) => {
          const out = await target.put(...args);
          if (args[0].includes('/history/') && !holder) {
            await sleep(100);
            holder = await acquireLock(new ObjectLockBackend(store), 'web', { ttlMs: 60_000, reason: 'rekey' });
            const cur = (await store.get('web/state.json'))!;
            await store.put('web/state.json', `${JSON.stringify({ ...JSON.parse(String(cur.body)), rekeying: [] })}\n`, { ifMatch: cur.etag });
          }
          return out;
        };
      },
    });
    await t.rejects(new Stack(hooked, new ObjectLockBackend(hooked), 'web').push(state({ v: 2 }), baseOf(v1)), { code: 'LOCK_HELD' }, 'refused: the lock is checked again');
    t.ok(holder, 'the lock was taken after the push checked it');
    t.same(await historyOf(store), [v1.entry], 'its entry is deleted');
    t.match(await stack().head(), { env: { version: 1 } }, 'state.json still at version 1');
  });

  t.test(`${kind}: a stack being re-keyed since the base was read: the version is sealed for the new keys before it commits`, { skip: kind === 's3' && needsS3 }, async (t) => {
    const { store, stack, v1 } = await open(t);
    const id = await generateX25519Identity();
    const recipient = await identityToRecipient(id);
    // what a re-key does before it re-seals anything (here it is killed right after): it
    // marks state.json, then records the new encryption in stack.json
    const before = await stack().head();
    const pointer = JSON.parse(String((await store.get('web/state.json'))!.body)) as Record<string, unknown>;
    await store.put('web/state.json', `${JSON.stringify({ ...pointer, rekeying: [`age:${recipient}`] })}\n`, { ifMatch: before!.etag });
    await stack().setEncryption({ age: [recipient] });
    // a push based on the version read before: sealed under that version's encryption (none),
    // its swap fails on the marked pointer, so it reads stack.json and seals again
    const v2 = await stack().push(state({ secret: 'hunter2-5c1d' }), baseOf(v1));
    t.match(v2.env, { version: 2, encryption: { age: [recipient] } }, 'sealed for the stack\'s recipient');
    // a push based on the marked pointer reads stack.json before it seals
    const marked = baseOf({ ...before!, env: { ...before!.env, rekeying: [`age:${recipient}`] } as typeof before.env });
    t.notOk(marked !== 'force' && marked.encryption, 'a marked pointer gives no encryption to seal under unread');
    const reader = new Stack(store, new ObjectLockBackend(store), 'web', { identities: async () => [id] });
    const v3 = await reader.push(state({ secret: 'hunter3-5c1d' }), baseOf(await reader.head()));
    t.match(v3.env, { version: 3, encryption: { age: [recipient] } });
    const keys = await historyOf(store);
    t.equal(keys.length, 3, 'one entry per version');
    for (const k of keys) t.notOk(String((await store.get(k))!.body).includes('hunter'), `${k}: no plaintext`);
    t.same((await reader.open((await reader.pull()).env)).state, { secret: 'hunter3-5c1d' });
    t.same((await reader.open((await reader.pull(2)).env)).state, { secret: 'hunter2-5c1d' });
  });
}
