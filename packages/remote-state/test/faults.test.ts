import t, { type Test } from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultProxy, type FaultPlan } from '@iwp/core/testing';
import { openStore } from '@iwp/core';
import { ObjectLockBackend, readEntry, Stack } from '../src/index.js';
import { bucket, needsS3, workspace } from './helpers.js';

const increment = `const f=require('fs'),p=process.env.REMOTE_STATE_FILE;const s=f.existsSync(p)?JSON.parse(f.readFileSync(p,'utf8')):{counter:0};s.counter++;f.writeFileSync(p,JSON.stringify(s))`;
const faulty: FaultPlan = { rates: { error500: 0.06, slowDown: 0.06, dropRequest: 0.06, dropResponse: 0.06, delay: 0.06 }, delayMs: 300 };

/**
 * The invariant every fault must keep: versions 1..V, the first key of versions/ being V,
 * each version's counter its number; state.json the versions layout's marker; nothing in
 * history/ (a push that fails before its create has written nothing).
 */
async function consistent(t: Test, b: string) {
  const store = openStore(`s3://${b}`);
  const stack = new Stack(store, new ObjectLockBackend(store), 'counter');
  const marker = JSON.parse(String((await store.get('counter/state.json'))!.body)) as { kind: string };
  t.equal(marker.kind, 'StateMoved', 'state.json is the marker');
  const [top] = await store.list('counter/versions/', { limit: 1 });
  const state = readEntry((await store.get(top!.key))!, top!.key) as { version: number; state: { counter: number } };
  const history = (await stack.history()).map((h) => h.version);
  t.same(history, Array.from({ length: state.version }, (_, i) => i + 1), `history is 1..${state.version}, no gap`);
  t.equal((await stack.head())?.env.version, state.version, 'the first key listed is the newest version');
  t.equal(state.state.counter, state.version, 'every accepted version added exactly one: no update lost or doubled');
  for (const v of history) {
    const h = (await stack.pull(v)).env as { version: number; state: { counter: number } };
    if (h.version !== v || h.state.counter !== v) t.fail(`history ${v} holds version ${h.version}, counter ${h.state.counter}`);
  }
  t.same(await store.list('counter/history/'), [], 'nothing in history/');
  return state.version;
}

t.test('exec through a proxy that drops, fails and delays requests: each run completes or exits 1 naming the endpoint; the state stays whole', { skip: needsS3, timeout: 400_000 }, async (t) => {
  const b = await bucket('faults');
  const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {}, 7);
  t.teardown(() => proxy.close());
  const ws = await workspace(t, `s3://${b}?endpoint=${encodeURIComponent(proxy.url)}`, 'counter');
  t.equal((await ws.run(['init'])).exitCode, 0);
  const exec = () => ws.run(['exec', '--ttl', '3s', '--wait', '30s', '--steal-expired', '--', process.execPath, '-e', increment]);
  t.equal((await exec()).exitCode, 0, 'a first exec without faults (the backend check passes and is remembered)');

  proxy.plan(faulty);
  const codes: number[] = [];
  for (let i = 0; i < 12; i++) {
    const r = await exec();
    codes.push(r.exitCode ?? -1);
    if (r.exitCode !== 0) t.match(String(r.stderr), new RegExp(`127\\.0\\.0\\.1:${new URL(proxy.url).port}|${proxy.url}`), `run ${i} failed (exit ${r.exitCode}) naming the endpoint`);
  }
  t.ok(codes.every((c) => c === 0 || c === 1), `every run exits 0 or 1 (${codes.join(' ')})`);
  t.comment(`faults injected: ${JSON.stringify(proxy.counts)}; exit codes ${codes.join(' ')}`);

  // a storm: nothing gets through for a while, the command gives up with exit 1
  proxy.plan({ rates: { error500: 0.5, dropResponse: 0.5 } });
  const storm = await ws.run(['exec', '--ttl', '3s', '--', process.execPath, '-e', increment]);
  t.equal(storm.exitCode, 1, 'a store that keeps failing: exit 1');
  t.match(String(storm.stderr), proxy.url.replace('http://', ''), 'naming the endpoint');

  proxy.plan({});
  t.equal((await exec()).exitCode, 0, 'without faults the next run converges');
  const v = await consistent(t, b);
  t.ok(v >= 2, `version ${v}`);
});

t.test('kill -9 during push, then the same push again: converges', { skip: needsS3 }, async (t) => {
  const b = await bucket('kill');
  const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!);
  t.teardown(() => proxy.close());
  const ws = await workspace(t, `s3://${b}?endpoint=${encodeURIComponent(proxy.url)}`, 'counter');
  t.equal((await ws.run(['init'])).exitCode, 0);
  await writeFile(join(ws.dir, 's.json'), '{"counter": 1}');
  t.equal((await ws.run(['push', 's.json'])).exitCode, 0);
  await writeFile(join(ws.dir, 's.json'), '{"counter": 2}');

  // hold the create of version 2: the push is killed while it is in flight; the proxy still
  // delivers it afterwards (the server got it, the client never knew), so version 2 exists
  proxy.plan({ rates: { delay: 1 }, delayMs: 2000, match: (r) => r.method === 'PUT' && r.url.includes('versions/999999999997.000000000002.json') });
  const push = ws.run(['push', 's.json']);
  // killed once the proxy holds the create whole: its last byte goes only after the lock
  // read is answered, and a push killed before that writes nothing (IncompleteBody)
  for (let i = 0; i < 200 && proxy.held === 0; i++) await sleep(50);
  t.equal(proxy.counts.delay, 1, 'the push is writing version 2');
  t.equal(proxy.held, 1, 'its create has reached the proxy whole');
  push.kill('SIGKILL');
  t.equal((await push).signal, 'SIGKILL');
  await sleep(2500);
  proxy.plan({});
  t.match(await ws.json(['status']), { version: 2 }, 'killed after its create was sent, which landed: version 2');

  const again = await ws.run(['push', 's.json']);
  t.equal(again.exitCode, 0, `the same push again succeeds: ${String(again.stderr)}`);
  t.match(JSON.parse(String(again.stdout)), { version: 2 }, 'finding its earlier run\'s version 2, not writing a third');
  t.equal(await consistent(t, b), 2);
});
