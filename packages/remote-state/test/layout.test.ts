import t from 'tap';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeS3Client, openStore, S3Store } from '@iwp/core';
import { acquireLock, baseOf, ENTRY_META, makeEnvelope, ObjectLockBackend, parseState, rekey, releaseLock, Stack } from '../src/index.js';
import { bucket, needsS3, workspace } from './helpers.js';

/** An S3 store whose client counts what it sends (the real emulator answers). */
function countingStore(b: string) {
  const s3 = makeS3Client({});
  const sent: Array<{ command: string; bytes: number }> = [];
  s3.middlewareStack.add(
    (next, ctx) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      sent.push({ command: String(ctx.commandName).replace(/Command$/, ''), bytes: Number(headers['content-length'] ?? 0) });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'countRequests' },
  );
  return { store: new S3Store(s3, { bucket: b, prefix: 'envs' }), sent };
}

t.test('a push uploads the state once and sends 2 requests (6 for the first version); lock + unlock are 2', { skip: needsS3 }, async (t) => {
  const b = await bucket('layout');
  const { store, sent } = countingStore(b);
  const stack = () => new Stack(store, new ObjectLockBackend(store), 'big');
  await stack().init();
  const parsed = parseState(Buffer.from(JSON.stringify({ blobs: Array.from({ length: 4000 }, () => randomBytes(150).toString('base64')) })), false, 'test');
  let base = baseOf(undefined);
  for (const version of [1, 2, 3]) {
    sent.length = 0;
    // a new Stack per push, as each `remote-state push` process is
    const out = await stack().push(parsed, base);
    t.equal(out.env.version, version);
    base = baseOf(out);
    const big = sent.filter((r) => r.bytes >= parsed.bytes.length);
    t.same(big.map((r) => r.command), ['PutObject'], `version ${version}: one request carries the ${parsed.bytes.length} bytes`);
    t.ok(sent.reduce((n, r) => n + r.bytes, 0) < parsed.bytes.length + 4096, 'and nothing else sends more than its metadata');
    // the first version: the current version is looked for (versions/, state.json) and
    // stack.json read with the lock, and state.json becomes the marker; later pushes know
    // the encryption from the version they replace: the lock read, then the version's create
    const sends = version === 1 ? ['GetObject', 'GetObject', 'GetObject', 'ListObjectsV2', 'PutObject', 'PutObject'] : ['GetObject', 'PutObject'];
    t.same(sent.map((r) => r.command).sort(), sends, version === 1 ? 'the first version: 6 requests' : 'the lock read and the create: 2 requests');
  }
  const hist = await stack().history();
  t.same(hist.map((h) => h.version), [1, 2, 3]);
  t.match(JSON.parse(String((await store.get('big/state.json'))!.body)), { kind: 'StateMoved', version: 0 }, 'state.json is the marker, naming no older version');
  t.same((await store.list('big/versions/')).map((o) => o.key), [3, 2, 1].map((n) => `big/versions/${String(999999999999 - n).padStart(12, '0')}.${String(n).padStart(12, '0')}.json`), 'one object per version, the newest first');
  t.same(await store.list('big/history/'), [], 'nothing in history/');
  const entry = (await store.get('big/versions/999999999996.000000000003.json'))!;
  t.ok(entry.body.equals(parsed.bytes), 'the version is the state\'s bytes, as pull gives them back');
  t.match(JSON.parse(entry.metadata![ENTRY_META]!), { kind: 'StackState', version: 3, size: parsed.bytes.length, encoding: 'json', writeId: base !== 'force' && base.writeId }, 'its envelope header is the object\'s metadata');
  const pulled = await stack().pull();
  t.equal(pulled.env.sha256, parsed.bytes.length && (await stack().pull(1)).env.sha256, 'the same bytes: the same digest in every version');

  const locks = new ObjectLockBackend(store);
  sent.length = 0;
  const held = await acquireLock(locks, 'big', { ttlMs: 60_000 });
  await releaseLock(locks, 'big', { id: held.info.id, token: held.token });
  t.same(sent.map((r) => r.command), ['PutObject', 'DeleteObject'], 'lock + unlock: exactly 2 requests');
});

/** A stack `old` in a new bucket, initialised, and `v`: version n as the old layout wrote it (a whole envelope). */
async function oldLayout(t: Parameters<typeof workspace>[0], name: string) {
  const url = `s3://${await bucket(name)}`;
  const store = openStore(url);
  const w = await workspace(t, url, 'old');
  t.equal((await w.run(['init'])).exitCode, 0);
  const v = (n: number, replicas: number) => `${JSON.stringify({ ...makeEnvelope('old', n, 'old@host', parseState(Buffer.from(JSON.stringify({ replicas })), false, 't')), writeId: `w${n}` })}\n`;
  return { url, store, w, v };
}

t.test('a stack in the envelope layout (whole envelope in state.json) is read, and moves to the versions layout on its next write', { skip: needsS3 }, async (t) => {
  const { url, store, w, v } = await oldLayout(t, 'legacy');
  // what the previous layout wrote: history/1, and version 2 whole in state.json whose
  // history copy never happened (a push killed between its write and its copy)
  await store.put('old/history/000000000001.json', v(1, 1));
  const v2 = v(2, 2);
  await store.put('old/state.json', v2);
  const stale = await workspace(t, url, 'old');
  t.same(JSON.parse(String((await stale.run(['pull'])).stdout)), { replicas: 2 }, 'stale user pulls version 2 from the old layout');

  t.same(JSON.parse(String((await w.run(['pull'])).stdout)), { replicas: 2 }, 'pull reads the old layout');
  t.match(await w.json(['status']), { version: 2, updatedBy: 'old@host' });
  await writeFile(join(w.dir, 's.json'), '{"replicas": 3}');
  t.match(await w.json(['push', 's.json']), { kind: 'StateInfo', version: 3 }, 'the next push writes version 3');

  t.match(JSON.parse(String((await store.get('old/state.json'))!.body)), { kind: 'StateMoved', version: 2, body: 'history/000000000002.json' }, 'state.json is now the marker, naming version 2');
  t.ok(await store.head('old/versions/999999999996.000000000003.json'), 'version 3 is in versions/');
  t.equal(String((await store.get('old/history/000000000002.json'))!.body), v2, 'version 2 was kept in history, byte for byte, before state.json changed');
  t.same(((await w.json(['history'])).items as Array<{ version: number }>).map((h) => h.version), [1, 2, 3], 'history is whole');
  t.same(JSON.parse(String((await w.run(['pull', '--version', '2'])).stdout)), { replicas: 2 });
  t.same(JSON.parse(String((await w.run(['pull'])).stdout)), { replicas: 3 });

  await writeFile(join(stale.dir, 's.json'), '{"replicas": 9}');
  const lost = await stale.run(['push', 's.json']);
  t.equal(lost.exitCode, 3, 'a push based on the old layout\'s version 2 loses: CAS_LOST');
  t.same(JSON.parse(String((await w.run(['pull'])).stdout)), { replicas: 3 }, 'and changes nothing');
});

t.test('rekey of a stack in the envelope layout: it moves to the versions layout, history entries become bare', { skip: needsS3 }, async (t) => {
  const { store, w, v } = await oldLayout(t, 'legacy-rekey');
  await store.put('old/history/000000000001.json', v(1, 1));
  await store.put('old/state.json', v(2, 2));
  t.match(await rekey(new Stack(store, new ObjectLockBackend(store), 'old'), {}), { version: 3, rewritten: 2 });
  t.match(JSON.parse(String((await store.get('old/state.json'))!.body)), { kind: 'StateMoved', version: 2, body: 'history/000000000002.json' }, 'state.json is the marker');
  for (const n of [1, 2]) {
    const h = (await store.get(`old/history/00000000000${n}.json`))!;
    t.same(JSON.parse(String(h.body)), { replicas: n }, `history ${n} is now the state itself`);
    t.match(JSON.parse(h.metadata![ENTRY_META]!), { kind: 'StackState', version: n, writeId: `w${n}` });
  }
  t.same(JSON.parse(String((await w.run(['pull'])).stdout)), { replicas: 2 }, 'version 3 is version 2\'s state');
  t.same(JSON.parse(String((await w.run(['pull', '--version', '1'])).stdout)), { replicas: 1 });
  t.same(JSON.parse(String((await w.run(['pull', '--version', '2'])).stdout)), { replicas: 2 });
  t.same(((await w.json(['history'])).items as Array<{ version: number }>).map((h) => h.version), [1, 2, 3]);
});
