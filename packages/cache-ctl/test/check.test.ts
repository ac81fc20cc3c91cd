import t from 'tap';
import { appendFile, chmod, readFile, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { execa } from 'execa';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { makeS3Client } from '@iwp/core';
import coreEarly from '@iwp/core/early';
import early from '../src/early.cjs';
import { bin, bucket, buildClosure, cliJson, fileCache, fixture, keyPair, loggedNix, needsNix, needsS3, storePathsOf, tempDir } from './helpers.js';

// of pushes whose NARs nix copy compresses and nix checks: zstd's are made on worker threads
// unless IWP_NAR_COMPRESSOR=nix (nar-workers.ts; nar-zstd.test.ts)
process.env.IWP_NAR_COMPRESSOR = 'nix';

// What the check of a push's contents reads, and who starts it (push.ts, pushMissing and
// earlyCheck): into a directory, the `nix store verify` of the closure bin/run.js started,
// adopted when the missing paths are at least half of the closure's bytes; otherwise, and
// into S3, a `nix-store --verify-path` of the paths the push uploads. `nix` and `nix-store`
// are wrappers that log each call (helpers.ts, loggedNix).
type T = { teardown(fn: () => unknown): void };

const calls = async (log: string) => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
const closureChecks = (lines: string[]) => lines.filter((l) => l.startsWith('store verify '));
const pathChecks = (lines: string[]) => lines.filter((l) => l.startsWith('nix-store --verify-path '));

/** many.nix with `n` parts: the same nonce gives the same first parts. */
async function chain(t: T, nonce: string, n: number) {
  const r = await execa('nix-build', ['--no-out-link', fixture('many.nix'), '--argstr', 'nonce', nonce, '--arg', 'n', String(n)]);
  const top = String(r.stdout).trim();
  const closure = String((await execa('nix-store', ['--query', '--requisites', top])).stdout).split('\n').filter(Boolean);
  t.teardown(() => execa('nix-store', ['--delete', ...closure], { reject: false }));
  return { top, closure };
}

t.test('into a directory: the early check of the closure for a new closure; only the missing paths when they are a small part of it', { skip: needsNix }, async (t) => {
  const { env, log } = await loggedNix(t);
  const { url, key } = await fileCache(t);
  const nonce = randomUUID();
  const first = await chain(t, nonce, 10);
  t.match(await cliJson(['push', first.top, '--to', url, '--sign-key', key.sec], { env }), { uploaded: first.closure.length });
  let lines = await calls(log);
  t.equal(closureChecks(lines).length, 1, 'everything missing: the check bin/run.js started is the one');
  t.same(pathChecks(lines), [], 'and the push starts none of its own');

  await writeFile(log, '');
  const next = await chain(t, nonce, 11); // one more part, and a new top
  const missing = next.closure.filter((p) => !first.closure.includes(p));
  t.equal(missing.length, 2);
  t.match(await cliJson(['push', next.top, '--to', url, '--sign-key', key.sec], { env }), { uploaded: 2, skipped: next.closure.length - 2 });
  lines = await calls(log);
  t.equal(pathChecks(lines).length, 1, 'one check by the push');
  t.same(storePathsOf(pathChecks(lines)[0]!).sort(), missing.sort(), 'of the two paths it uploads, not of the closure');
});

t.test('into S3: no early check; the push checks the paths it uploads', { skip: needsS3 }, async (t) => {
  const { env, log } = await loggedNix(t);
  const { top, closure } = await buildClosure(3, t); // a large NAR and two small ones
  const key = await keyPair(t, await tempDir(t));
  const store = `s3://${await bucket('check')}`;
  await cliJson(['init', store]);
  t.match(await cliJson(['push', top, '--to', store, '--sign-key', key.sec], { env }), { uploaded: closure.length });
  const lines = await calls(log);
  t.same(closureChecks(lines), [], 'no nix store verify of the closure');
  t.equal(pathChecks(lines).length, 1);
  t.same(storePathsOf(pathChecks(lines)[0]!).sort(), [...closure].sort(), 'one nix-store --verify-path of the paths pushed');
});

for (const [how, compressor] of [['nix copy and nix', 'nix'], ['worker threads', 'workers']]) {
  t.test(`into S3, NARs made and checked by ${how}: a store path changed since nix registered it is not published, nor what needs it, and its NAR is deleted`, { skip: needsS3 }, async (t) => {
    const { top, closure } = await buildClosure(3, t);
    const dep = closure.find((p) => p.endsWith('-cc-dep'))!;
    await chmod(dep, 0o644);
    await appendFile(dep, 'changed\n');
    await chmod(dep, 0o444);
    const key = await keyPair(t, await tempDir(t));
    const b = await bucket('check-changed');
    await cliJson(['init', `s3://${b}`]);
    const r = await execa('node', [bin, 'push', top, '--to', `s3://${b}`, '--sign-key', key.sec], { reject: false, env: { IWP_NAR_COMPRESSOR: compressor } });
    t.equal(r.exitCode, 1);
    t.match(String(r.stderr), new RegExp(`${dep} changed in the local store: its NAR hashes to sha256:\\w+, the store says sha256:\\w+`));
    const keys = ((await makeS3Client({}).send(new ListObjectsV2Command({ Bucket: b }))).Contents ?? []).map((o) => o.Key!);
    const hash = (p: string) => p.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    t.notOk(keys.includes(`${hash(dep)}.narinfo`), 'no narinfo for the changed path');
    t.notOk(keys.includes(`${hash(top)}.narinfo`), 'nor for the path that references it');
    const registered = String((await execa('nix-store', ['--query', '--hash', dep])).stdout).trim().replace(/^sha256:/, '');
    t.same(keys.filter((k) => k.startsWith(`nar/${registered}`)), [], "and the changed path's NAR, uploaded meanwhile, is deleted");
  });
}

t.test('bin/run.js starts the check of the closure only for a push into a directory whose NARs nix compresses, and the worker threads for one whose NARs they make', { skip: needsNix }, async (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const p = '/nix/store/00000000000000000000000000000000-x';
  const nix = { IWP_NAR_COMPRESSOR: 'nix' };
  // [argv, env, an early check, early worker threads]
  const cases: Array<[string[], NodeJS.ProcessEnv, boolean, boolean]> = [
    [['push', '--to', 's3://b', p], nix, false, false],
    [['push', p], { ...nix, IWP_CACHE: 's3://b' }, false, false],
    [['push', p], { ...nix, IWP_CACHE: 'file:///c' }, true, false],
    [['push', '--to=file:///c', p], { ...nix, IWP_CACHE: 's3://b' }, true, false],
    // zstd NARs made on worker threads are hashed as they are made (nar-workers.ts): the
    // threads start instead, into a directory and into S3
    [['push', '--to=file:///c', p], { IWP_CACHE: 's3://b' }, false, true],
    [['push', '--to=file:///c', '--compression', 'zstd', p], {}, false, true],
    [['push', '--to', 's3://b', p], {}, false, true],
    [['push', '--to=file:///c', '--compression', 'xz', p], {}, true, false],
  ];
  for (const [argv, env, checked, threads] of cases) {
    early.startEarlyWork(root, argv, env);
    const info = coreEarly.takeEarly('nix', early.pathInfoArgs([p], true));
    t.ok(info, `path-info started for ${argv.join(' ')}`);
    await info;
    const check = coreEarly.takeEarly('nix', early.verifyArgs([p]));
    t.equal(Boolean(check), checked, `${argv.join(' ')} (${JSON.stringify(env)}): ${checked ? 'checked early' : 'no early check'}`);
    await check;
    const started = coreEarly.takeEarlyWorkers(early.narWorkerFile(root));
    t.equal(started.length, threads ? availableParallelism() : 0, `${argv.join(' ')} (${JSON.stringify(env)}): ${threads ? 'a worker thread a core' : 'no worker thread'} started early`);
    await Promise.all(started.map((w) => w.terminate()));
  }
});
