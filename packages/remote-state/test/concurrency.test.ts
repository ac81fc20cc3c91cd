import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openStore } from '@iwp/core';
import { parseState, Stack, ObjectLockBackend, isCasLost } from '../src/index.js';
import { bucket, needsS3, tempDir, workspace } from './helpers.js';

const N = 16;
/** concurrent exec writers (processes), each adding one to a counter under the lock */
const WRITERS = 32;
// bounded, but longer than the package's 300 s per file: 32 processes (or 20 rounds) on 2 shared cores
t.setTimeout(600_000);
// the command run under the lock: read the counter from the pulled state, add one, write it back
const increment = `const f=require('fs'),p=process.env.REMOTE_STATE_FILE;const s=f.existsSync(p)?JSON.parse(f.readFileSync(p,'utf8')):{counter:0};s.counter++;f.writeFileSync(p,JSON.stringify(s))`;

for (const kind of ['s3', 'file'] as const) {
  t.test(`${WRITERS} concurrent exec processes on ${kind}: counter ${WRITERS}, ${WRITERS} history entries`, { skip: needsS3, timeout: 400_000 }, async (t) => {
    const store = kind === 's3' ? `s3://${await bucket('exec')}/stacks` : `file://${await tempDir(t, 'iwp-rs-store-')}`;
    const first = await workspace(t, store, 'counter');
    t.equal((await first.run(['init'])).exitCode, 0);
    const users = await Promise.all(Array.from({ length: WRITERS }, () => workspace(t, store, 'counter')));
    const started = Date.now();
    const results = await Promise.all(users.map((u) => u.run(['exec', '--wait', '5m', '--ttl', '30s', '--', process.execPath, '-e', increment])));
    t.comment(`${WRITERS} exec writers on ${kind} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    t.same(results.map((r) => r.exitCode), Array(WRITERS).fill(0), 'every exec succeeded');
    const state = JSON.parse(String((await first.run(['pull'])).stdout));
    t.equal(state.counter, WRITERS, 'no update lost');
    const hist = (await first.json(['history'])).items as Array<{ version: number }>;
    t.same(hist.map((h) => h.version), Array.from({ length: WRITERS }, (_, i) => i + 1));
    t.match(await first.json(['status']), { version: WRITERS, lock: null }, 'the lock is released');
  });
}

t.test(`${N} concurrent CAS pushes of one pulled version: one wins, ${N - 1} exit 3`, { skip: needsS3 }, async (t) => {
  const store = `s3://${await bucket('cas')}`;
  const users = await Promise.all(Array.from({ length: N }, () => workspace(t, store, 'race')));
  await users[0]!.run(['init']);
  await writeFile(join(users[0]!.dir, 's.json'), '{"writer": -1}');
  t.equal((await users[0]!.run(['push', 's.json'])).exitCode, 0);
  await Promise.all(users.map((u) => u.run(['pull', '--to', 'base.json'])));
  await Promise.all(users.map((u, i) => writeFile(join(u.dir, 's.json'), JSON.stringify({ writer: i }))));
  const results = await Promise.all(users.map((u) => u.run(['push', 's.json'])));
  const codes = results.map((r) => r.exitCode);
  t.equal(codes.filter((c) => c === 0).length, 1, 'exactly one push wins');
  t.equal(codes.filter((c) => c === 3).length, N - 1, 'the others exit 3');
  const winner = codes.indexOf(0);
  t.same(JSON.parse(String((await users[0]!.run(['pull'])).stdout)), { writer: winner }, 'the state is the winner\'s');
  const hist = (await users[0]!.json(['history'])).items as Array<{ version: number }>;
  t.same(hist.map((h) => h.version), [1, 2], 'one history entry per accepted write');
});

t.test(`${N} writers retrying CAS in one process: counter ${N}, none lost`, { skip: needsS3 }, async (t) => {
  const store = openStore(`s3://${await bucket('retry')}`);
  const stack = new Stack(store, new ObjectLockBackend(store), 'retry');
  await stack.init();
  let lostRaces = 0;
  await Promise.all(
    Array.from({ length: N }, async () => {
      for (;;) {
        const cur = await stack.current();
        const counter = cur ? (cur.env.state as { counter: number }).counter : 0;
        try {
          await stack.push(parseState(Buffer.from(JSON.stringify({ counter: counter + 1 })), false, 'test'), cur ? { version: cur.env.version, etag: cur.etag } : { version: null, etag: null });
          return;
        } catch (err) {
          if (!isCasLost(err)) throw err;
          lostRaces++;
        }
      }
    }),
  );
  t.equal(((await stack.current())!.env.state as { counter: number }).counter, N);
  t.equal((await stack.history()).length, N);
  t.ok(lostRaces > 0, `races were lost and retried (${lostRaces})`);
});
