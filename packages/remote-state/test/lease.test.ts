import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { bin, bucket, needsS3, workspace } from './helpers.js';

type Info = { lock: { id: string; expires: string; created: string; expired: boolean } | null };

/** Starts `remote-state exec` in its own process group and waits until it holds the lock. */
async function startHolder(w: Awaited<ReturnType<typeof workspace>>, ttl: string, cmd: string[]) {
  const child = execa('node', [bin, 'exec', '--ttl', ttl, '--', ...cmd], { cwd: w.dir, env: w.env, reject: false, detached: true, stdin: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const s = (await w.json(['status'])) as Info;
    if (s.lock) return { child, lock: s.lock };
    await sleep(100);
  }
  throw new Error('the holder never took the lock');
}

t.test('a holder killed with SIGKILL leaves a lock that expires and can then be stolen', { skip: needsS3 }, async (t) => {
  const store = `s3://${await bucket('lease')}`;
  const w = await workspace(t, store, 'killed');
  await w.run(['init']);
  // a lease long enough for the next CLI to start and check the backend on a loaded machine
  const { child, lock } = await startHolder(w, '12s', ['sleep', '60']);
  process.kill(-child.pid!, 'SIGKILL'); // the exec process and its command, no chance to unlock
  await child;

  const other = await workspace(t, store, 'killed');
  const held = await other.run(['lock', '--steal-expired']);
  t.equal(held.exitCode, 3, 'a live lease cannot be stolen');
  t.match(JSON.parse(String(held.stdout)), { code: 'LOCK_HELD', details: { holder: { id: lock.id } } });

  const after = (await other.json(['status'])) as Info;
  await sleep(Math.max(0, Date.parse(after.lock!.expires) - Date.now()) + 200);
  const plain = await other.run(['lock']);
  t.equal(plain.exitCode, 3, 'an expired lock is still a lock without --steal-expired');
  const stolen = await other.json(['lock', '--steal-expired', '--reason', 'recover']);
  t.match(stolen, { kind: 'Lock', reason: 'recover' });
  t.not(stolen.id, lock.id, 'a new holder');
  t.equal((await other.run(['unlock'])).exitCode, 0);
  t.match(await other.json(['status']), { lock: null });
});

t.test('a live exec keeps its lease past the TTL through heartbeats; SIGTERM releases the lock', { skip: needsS3 }, async (t) => {
  const store = `s3://${await bucket('heartbeat')}`;
  const w = await workspace(t, store, 'live');
  await w.run(['init']);
  const { child, lock } = await startHolder(w, '2s', ['sleep', '60']);
  await sleep(Math.max(0, Date.parse(lock.created) + 3500 - Date.now())); // well past the 2 s TTL
  const other = await workspace(t, store, 'live');
  const steal = await other.run(['lock', '--steal-expired']);
  t.equal(steal.exitCode, 3, 'the renewed lease is not expired');
  const now = (await other.json(['status'])) as Info;
  t.equal(now.lock!.id, lock.id, 'same holder');
  t.ok(Date.parse(now.lock!.expires) > Date.parse(lock.created) + 2000, 'expiry moved forward');

  child.kill('SIGTERM');
  const r = await child;
  t.equal(r.exitCode, 143, "exec exits with its command's code (killed by SIGTERM)");
  t.match(await other.json(['status']), { lock: null }, 'the lock was released');
});

t.test('unlock refuses a lock held by someone else; --force removes it', { skip: needsS3 }, async (t) => {
  const store = `s3://${await bucket('unlock')}`;
  const a = await workspace(t, store, 'ops');
  const b = await workspace(t, store, 'ops');
  await a.run(['init']);
  const lock = await a.json(['lock', '--reason', 'maintenance']);
  const wrong = await b.run(['unlock', '--id', 'not-the-holder']);
  t.equal(wrong.exitCode, 3);
  t.match(String(wrong.stderr), /held by .* \(id /);
  t.equal((await b.run(['unlock'])).exitCode, 2, 'no lock taken here and no --id: bad input');
  t.match(await a.json(['status']), { lock: { id: lock.id } }, 'the lock is untouched');
  const list = await b.json(['locks']);
  t.match(list, { kind: 'LockList', items: [{ stack: 'ops', id: lock.id, reason: 'maintenance' }] });
  t.equal((await b.run(['push', '--from', 'echo {}'])).exitCode, 3, 'a push while another holds the lock exits 3');
  t.equal((await b.run(['unlock', '--force'])).exitCode, 0);
  t.match(await a.json(['status']), { lock: null });
  t.equal((await a.run(['unlock'])).exitCode, 4, 'nothing left to unlock: not found');
});
