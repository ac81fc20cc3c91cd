import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import pMap from 'p-map';
import { openStore } from '@iwp/core';
import { bucket, buildClosure, cli, cliJson, deleteLocal, keyPair, needsS3, nixOpts, serve, tempDir } from './helpers.js';

const ROUNDS = 20;
// bounded, but longer than the package's 300 s per file: 32 processes (or 20 rounds) on 2 shared cores
t.setTimeout(600_000);

t.test(`push and gc run concurrently ${ROUNDS} times: every narinfo keeps its NAR, nix realises every closure`, { skip: needsS3, timeout: 400_000 }, async (t) => {
  const dir = await tempDir(t);
  const key = await keyPair(t, dir);
  const b = await bucket('gcrace');
  const store = `s3://${b}`;
  await cliJson(['init', store]);
  // 3 paths each (top, dep, 1 MiB of random bytes), built before the race starts
  const closures = await pMap(Array.from({ length: ROUNDS }), () => buildClosure(1, t), { concurrency: 2 });
  const roots = join(dir, 'roots');
  let overlapped = 0;
  const started = Date.now();
  for (let i = 0; i < ROUNDS; i++) {
    // every pushed top is a root, this round's too: while it is being pushed its narinfo
    // does not exist yet, so without leases gc would take the NARs (and the narinfos of
    // its dependencies) already uploaded
    await writeFile(roots, closures.slice(0, i + 1).map((c) => `${c.top}\n`).join(''));
    const push = cli(['push', closures[i]!.top, '--to', store, '--sign-key', key.sec, '--jobs', '1']);
    await sleep((i * 37) % 400);
    const gc = await cli(['gc', '--store', store, '--roots', roots]);
    const p = await push;
    t.equal(p.exitCode, 0, `round ${i}: push`);
    t.equal(gc.exitCode, 0, `round ${i}: gc`);
    if (gc.exitCode === 0 && (JSON.parse(String(gc.stdout)) as { activePushes: number }).activePushes > 0) overlapped++;
    if (/waiting for the gc/.test(String(p.stderr))) overlapped++;
  }
  t.comment(`${ROUNDS} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s; ${overlapped} rounds where gc and push met (gc kept a live push, or the push waited)`);
  t.ok(overlapped > 0, 'some rounds overlapped');

  const s = openStore(store);
  const keys = new Set((await s.list('')).map((o) => o.key));
  const narinfos = [...keys].filter((k) => k.endsWith('.narinfo'));
  // the 1 MiB path is the same derivation in every round
  t.equal(narinfos.length, new Set(closures.flatMap((c) => c.closure)).size, 'every path of every round has its narinfo');
  for (const k of narinfos) {
    const url = /URL: (\S+)/.exec(String((await s.get(k))!.body))![1]!;
    if (!keys.has(url)) t.fail(`${k} points at ${url}, which is gone`);
  }
  t.same([...keys].filter((k) => k.startsWith('iwp-leases/')), [], 'no lease is left behind');

  // nix substitutes every closure through serve
  const all = closures.flatMap((c) => c.closure);
  await deleteLocal(all);
  const url = await serve(t, store);
  const r = await execa('nix-store', ['--realise', ...closures.map((c) => c.top), ...nixOpts(url, key.pub)], { reject: false });
  t.equal(r.exitCode, 0, r.exitCode === 0 ? 'nix-store --realise through serve succeeded for every closure' : String(r.stderr).slice(-2000));
});
