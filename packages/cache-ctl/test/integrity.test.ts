import t from 'tap';
import { appendFile, chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { makeS3Client } from '@iwp/core';
import { bin, bucket, fileCache, buildClosure, cli, cliJson, deleteLocal, keyPair, needsNix, needsS3, nixOpts, serve, tempDir } from './helpers.js';

const hashOf = (p: string) => p.slice('/nix/store/'.length, '/nix/store/'.length + 32);
/** the nix32 digest of the NAR hash the local store registered for `p` (its NAR's key in a cache) */
const nixHashOf = (p: string) => execa('nix-store', ['--query', '--hash', p]).then((r) => String(r.stdout).trim().replace(/^sha256:/, ''));

t.test('tampering is caught by verify and refused by nix through serve', { skip: needsNix }, async (t) => {
  const { dir, key, path: cache } = await fileCache(t, 'cache');
  const { top, closure } = await buildClosure();
  await cliJson(['push', top, '--to', `file://${cache}`, '--sign-key', key.sec, '--compression', 'none']);
  t.match(await cliJson(['verify', '--store', `file://${cache}`, '--trusted-key', key.pub]), { checked: 2, ok: 2 });

  // flip a byte in the NAR of top
  const infoPath = join(cache, `${hashOf(top)}.narinfo`);
  const info = await readFile(infoPath, 'utf8');
  const narPath = join(cache, /URL: (\S+)/.exec(info)![1]!);
  const nar = await readFile(narPath);
  nar[nar.length - 20] ^= 0xff;
  await writeFile(narPath, nar);
  // and forge the dependency's narinfo (NarSize changed: the signature no longer matches)
  const depInfo = join(cache, `${hashOf(closure.find((p) => p !== top)!)}.narinfo`);
  await writeFile(depInfo, (await readFile(depInfo, 'utf8')).replace(/NarSize: (\d+)/, (_, n: string) => `NarSize: ${Number(n) + 1}`));

  const v = await cli(['verify', '--store', `file://${cache}`, '--trusted-key', key.pub]);
  t.equal(v.exitCode, 1);
  const report = JSON.parse(String(v.stdout)) as { ok: number; failed: Array<{ storePath: string; problem: string }> };
  t.equal(report.ok, 0);
  t.match(report.failed.find((f) => f.storePath === top), { problem: /(FileHash|NarHash) mismatch/ });
  t.match(report.failed.find((f) => f.storePath !== top), { problem: /no valid signature/ });

  // nix, substituting through serve, refuses both
  await deleteLocal(closure);
  const url = await serve(t, `file://${cache}`);
  const r = await execa('nix-store', ['--realise', top, ...nixOpts(url, key.pub)], { reject: false });
  t.not(r.exitCode, 0, 'nix refuses the tampered cache');
  t.notOk(await execa('test', ['-e', top], { reject: false }).then((x) => x.exitCode === 0), 'and did not install the path');
});

// named on the command line, the path is checked by the `nix store verify` bin/run.js starts
// early; read from stdin, by the push's own `nix-store --verify-path`
for (const how of ['args', 'stdin'] as const) {
  t.test(`a store path changed since nix registered it is not published, nor anything that needs it (paths from ${how})`, { skip: needsNix }, async (t) => {
    const { key, path: cache } = await fileCache(t, 'cache');
    const { top, closure } = await buildClosure(0, t);
    const dep = closure.find((p) => p !== top)!;
    await chmod(dep, 0o644);
    await appendFile(dep, 'changed\n');
    await chmod(dep, 0o444);
    const r = how === 'args' ? await cli(['push', top, '--to', `file://${cache}`, '--sign-key', key.sec]) : await cli(['push', '-', '--to', `file://${cache}`, '--sign-key', key.sec], { input: `${top}\n`, stdin: 'pipe' });
    t.equal(r.exitCode, 1);
    t.match(String(r.stderr), new RegExp(`${dep} changed in the local store: its NAR hashes to sha256:\\w+, the store says sha256:\\w+`));
    const files = await readdir(cache);
    t.notOk(files.includes(`${hashOf(dep)}.narinfo`), 'no narinfo for the changed path');
    t.notOk(files.includes(`${hashOf(top)}.narinfo`), 'nor for the path that references it');
    const registered = await nixHashOf(dep);
    const depNar = (await readdir(join(cache, 'nar')).catch(() => [] as string[])).filter((f) => f.startsWith(registered));
    t.same(depNar, [], 'and the changed path\'s NAR, uploaded meanwhile, is deleted');
    t.same(files.filter((f) => f.endsWith('.tmp')), [], 'no temp cache of a nix copy is left in the store');
  });
}

t.test('verify --repair re-uploads broken entries from the local store', { skip: needsNix }, async (t) => {
  const { dir, key, path: cache } = await fileCache(t, 'cache');
  const { top } = await buildClosure();
  await cliJson(['push', top, '--to', `file://${cache}`, '--sign-key', key.sec]);
  const narPath = join(cache, /URL: (\S+)/.exec(await readFile(join(cache, `${hashOf(top)}.narinfo`), 'utf8'))![1]!);
  await writeFile(narPath, 'garbage');
  const repaired = await cliJson(['verify', '--store', `file://${cache}`, '--trusted-key', key.pub, '--repair', '--sign-key', key.sec]);
  t.match(repaired, { checked: 2, ok: 1, failed: [{ storePath: top, repaired: true }] });
  t.match(await cliJson(['verify', '--store', `file://${cache}`, '--trusted-key', key.pub]), { checked: 2, ok: 2, failed: [] });
});

t.test('gc keeps exactly the closures of the roots', { skip: needsS3 }, async (t) => {
  const dir = await tempDir(t);
  const key = await keyPair(t, dir);
  const store = `s3://${await bucket('gc')}`;
  await cliJson(['init', store]);
  const a = await buildClosure();
  const b = await buildClosure();
  await cliJson(['push', a.top, b.top, '--to', store, '--sign-key', key.sec]);
  await writeFile(join(dir, 'roots'), `${a.top}\n`);
  const dry = await cliJson(['gc', '--store', store, '--roots', join(dir, 'roots'), '--dry-run']);
  t.match(dry, { kind: 'CacheGC', dryRun: true, kept: 2, deleted: 2, deletedNars: 2 });
  t.same(dry.deletedPaths, [...b.closure].sort());
  t.match(await cliJson(['gc', '--store', store, '--roots', join(dir, 'roots'), '--older-than', '1h']), { deleted: 0 }, 'nothing is old enough');
  const gc = await cliJson(['gc', '--store', store, '--roots', join(dir, 'roots')]);
  t.match(gc, { dryRun: false, kept: 2, deleted: 2, deletedNars: 2 });
  t.ok((gc.bytesFreed as number) > 0);
  const ex = await cliJson(['exists', '--store', store, ...a.closure, ...b.closure]);
  t.same(ex.present, a.closure, 'the root closure stays');
  t.same(ex.missing, b.closure, 'the rest is gone');
  const keys = (await makeS3Client({}).send(new ListObjectsV2Command({ Bucket: store.slice(5) }))).Contents!.map((o) => o.Key!);
  t.equal(keys.filter((k) => k.startsWith('nar/')).length, 2, 'only the kept NARs remain');
});

t.test('an interrupted push leaves no narinfo without its NAR', { skip: needsS3 }, async (t) => {
  const dir = await tempDir(t);
  const key = await keyPair(t, dir);
  const b = await bucket('interrupt');
  const store = `s3://${b}`;
  await cliJson(['init', store]);
  const { top, closure } = await buildClosure(48, t);
  // its temp caches, which a killed push cannot remove, in the test's own directory
  const push = execa('node', [bin, 'push', top, '--to', store, '--sign-key', key.sec, '--compression', 'xz', '--jobs', '1'], { reject: false, env: { TMPDIR: dir } });
  const s3 = makeS3Client({});
  const list = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: b }))).Contents ?? []).map((o) => o.Key!);
  for (let i = 0; i < 200 && !(await list()).some((k) => k.endsWith('.narinfo')); i++) await sleep(50);
  push.kill('SIGKILL');
  await push;
  const keys = await list();
  const narinfos = keys.filter((k) => k.endsWith('.narinfo'));
  t.ok(narinfos.length >= 1 && narinfos.length < closure.length, `killed part-way (${narinfos.length} of ${closure.length} narinfos)`);
  t.notOk(narinfos.includes(`${hashOf(top)}.narinfo`), 'the top path (written last) has no narinfo');
  for (const k of narinfos) {
    const text = String(await (await import('@iwp/core')).openStore(store).get(k).then((o) => o!.body));
    t.ok(keys.includes(/URL: (\S+)/.exec(text)![1]!), `${k} has its NAR`);
    for (const r of (/^References: (.*)$/m.exec(text)?.[1] ?? '').split(' ').filter(Boolean)) {
      t.ok(narinfos.includes(`${r.slice(0, 32)}.narinfo`), `${k}: its reference ${r} has its narinfo`);
    }
  }
  // a later push completes the closure
  t.match(await cliJson(['push', top, '--to', store, '--sign-key', key.sec]), { uploaded: closure.length - narinfos.length });
  t.match(await cliJson(['verify', '--store', store, '--trusted-key', key.pub]), { checked: closure.length, ok: closure.length });
});

t.test('bad input: clear errors, exit 2 or 4', { skip: needsS3 }, async (t) => {
  const dir = await tempDir(t);
  const key = await keyPair(t, dir);
  const { top } = await buildClosure();
  const cache = `file://${dir}`;
  await cliJson(['init', cache]);
  await writeFile(join(dir, 'bad.sec'), 'not-a-key');
  const badKey = await cli(['push', top, '--to', cache, '--sign-key', join(dir, 'bad.sec')]);
  t.equal(badKey.exitCode, 2);
  t.match(String(badKey.stderr), /--sign-key: expected an ed25519 secret key in nix's format NAME:BASE64/);
  const pubAsSecret = await cli(['push', top, '--to', cache, '--sign-key', join(dir, 'key.pub')]);
  t.equal(pubAsSecret.exitCode, 2, 'a public key is not a secret key');
  t.equal((await cli(['verify', '--store', cache, '--trusted-key', 'x:AAAA'])).exitCode, 2, 'a malformed trusted key');
  const scheme = await cli(['push', top, '--to', 'gs://bucket', '--sign-key', key.sec]);
  t.equal(scheme.exitCode, 2);
  t.match(String(scheme.stderr), /--to: expected a store URL/);
  const noBucket = await cli(['init', 's3://iwp-no-such-bucket-cache']);
  t.equal(noBucket.exitCode, 4);
  t.match(String(noBucket.stderr), /bucket iwp-no-such-bucket-cache not found/);
  // exists too: a HEAD of a narinfo in a missing bucket answers 404 as for a missing path
  const existsNoBucket = await cli(['exists', '--store', 's3://iwp-no-such-bucket-cache', top]);
  t.equal(existsNoBucket.exitCode, 4, 'exists in a missing bucket: not found, not "missing"');
  t.match(String(existsNoBucket.stderr), /bucket iwp-no-such-bucket-cache not found/);
  await mkdir(join(dir, 'empty'));
  const existsNoCache = await cli(['exists', '--store', `file://${join(dir, 'empty')}`, top]);
  t.equal(existsNoCache.exitCode, 4, 'exists in a directory that is no cache');
  t.match(String(existsNoCache.stderr), /is not a binary cache/);
  const notInStore = await cli(['push', '/nix/store/00000000000000000000000000000000-missing', '--to', cache, '--sign-key', key.sec]);
  t.equal(notInStore.exitCode, 4);
  t.match(String(notInStore.stderr), /00000000000000000000000000000000-missing is not in the local nix store/);
  t.equal((await cli(['push', '/etc/passwd', '--to', cache, '--sign-key', key.sec])).exitCode, 2, 'not a store path');
  t.equal((await cli(['push', top, '--to', cache, '--sign-key', key.sec, '--compression', 'lz4'])).exitCode, 2);
  t.same(await readdir(dir).then((f) => f.filter((x) => x.endsWith('.narinfo'))), [], 'nothing was pushed');
});
