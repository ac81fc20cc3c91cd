import t from 'tap';
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { FileStore, runProcess, type Runner } from '@iwp/core';
import { COMPRESSION_SLOTS, compressLargeNars, held } from '../src/narstream.js';
import { queryPathInfo } from '../src/localstore.js';
import { hashPart } from '../src/narinfo.js';
import { takeLease } from '../src/leases.js';
import { bucket, cliJson, fileCache, largeClosure, loggedNix, needsNix, needsS3, storePathsOf, tempDir } from './helpers.js';

// of pushes whose NARs nix copy compresses and nix checks: zstd's are made on worker threads
// unless IWP_NAR_COMPRESSOR=nix (nar-workers.ts; nar-zstd.test.ts)
process.env.IWP_NAR_COMPRESSOR = 'nix';

// Large NARs are compressed in chunks, one nix copy a core rather than one a path
// (narstream.ts, compressLargeNars; chunks.ts), and each NAR is stored as soon as nix has
// written it. `nix` is a wrapper that logs each call; TMPDIR is the test's own
// (helpers.ts, loggedNix).
type T = { teardown(fn: () => unknown): void };

/** The logged nix copies that compressed any of `paths`, as the lists of those paths. */
const copiesOf = (calls: string[], paths: string[]) => calls.map((c) => storePathsOf(c).filter((p) => paths.includes(p))).filter((c) => c.length > 0);

t.test('into a directory: four large NARs in one nix copy a core, each once, the cache complete and substitutable', { skip: needsNix }, async (t) => {
  const { top, closure, parts } = await largeClosure(t, 4, 2);
  const { env, copies } = await loggedNix(t);
  const { url, path, key } = await fileCache(t);
  t.match(await cliJson(['push', top, '--to', url, '--sign-key', key.sec], { env }), { uploaded: closure.length, skipped: 0 });
  const large = copiesOf(await copies(), parts);
  t.equal(large.length, Math.min(COMPRESSION_SLOTS, parts.length), `${Math.min(COMPRESSION_SLOTS, parts.length)} nix copies for the four large paths`);
  t.same(large.flat().sort(), parts, 'each compressed once');
  const files = await readdir(path);
  t.equal(files.filter((f) => f.endsWith('.narinfo')).length, closure.length);
  t.same(files.filter((f) => f.endsWith('.tmp')), [], 'no temp cache left');
  const verified = await cliJson(['verify', '--store', url, '--trusted-key', key.pub]);
  t.same([verified.checked, verified.ok, verified.failed], [closure.length, closure.length, []]);
  const store = join(await tempDir(t, 'iwp-subst-'), 'store');
  await execa('nix', ['copy', '--extra-experimental-features', 'nix-command', '--no-check-sigs', '--from', url, '--to', store, top]);
  t.equal((await execa('nix', ['store', 'verify', '--extra-experimental-features', 'nix-command', '--no-trust', '--store', store, '--recursive', top])).exitCode, 0, 'nix substitutes it and finds every NAR hash right');
});

t.test('before the cache has answered, one copy compresses ahead; the others start once it has', { skip: needsNix }, async (t) => {
  const { top, closure, parts } = await largeClosure(t, 4, 2);
  const { env, copies } = await loggedNix(t);
  const { url, path, key } = await fileCache(t);
  // a gc holding the cache: the push waits for it before it asks what the cache has
  const gc = await takeLease(new FileStore(path), 'gc', {});
  const push = cliJson(['push', top, '--to', url, '--sign-key', key.sec], { env });
  push.catch(() => undefined);
  const large = async () => copiesOf(await copies(), parts);
  for (let i = 0; i < 100 && (await large()).length === 0; i++) await sleep(100);
  await sleep(1500);
  const ahead = await large();
  t.equal(ahead.length, 1, 'one copy while the push waits for the gc');
  await gc.release();
  t.match(await push, { uploaded: closure.length, skipped: 0 });
  const all = await large();
  t.equal(all.length, Math.min(COMPRESSION_SLOTS, parts.length), 'the others once the cache has answered');
  t.same(all.flat().sort(), parts, 'each compressed once');
});

t.test('a cache that has some of the large paths: copies holding those are stopped, the missing ones compressed again', { skip: needsNix }, async (t) => {
  const { top, closure, parts } = await largeClosure(t, 4, 2);
  const { env, log, copies } = await loggedNix(t);
  const { url, path, key } = await fileCache(t);
  const had = [parts[0]!, parts[2]!];
  t.match(await cliJson(['push', ...had, '--to', url, '--sign-key', key.sec], { env }), { uploaded: 2 });
  const nars = await readdir(join(path, 'nar'));
  await execa('sh', ['-c', `: > ${JSON.stringify(log)}`]);
  t.match(await cliJson(['push', top, '--to', url, '--sign-key', key.sec], { env }), { uploaded: 3, skipped: 2 });
  const missing = parts.filter((p) => !had.includes(p));
  const large = copiesOf(await copies(), parts);
  t.ok(missing.every((p) => large.some((c) => c.includes(p))), 'the missing large paths were compressed');
  t.same((await readdir(path)).filter((f) => f.endsWith('.tmp')), [], 'no temp cache left, stopped or not');
  const after = await readdir(join(path, 'nar'));
  t.equal(after.length, closure.length, 'a NAR a path');
  t.ok(nars.every((n) => after.includes(n)), 'those the cache had are kept');
  const verified = await cliJson(['verify', '--store', url, '--trusted-key', key.pub]);
  t.same([verified.checked, verified.ok, verified.failed], [closure.length, closure.length, []]);
});

t.test('into S3: the same, and nothing left in the temp directory', { skip: needsS3 }, async (t) => {
  const { top, closure, parts } = await largeClosure(t, 4, 2);
  const { env, tmp, copies } = await loggedNix(t);
  const dir = await tempDir(t);
  const key = await cliJson(['keygen', '--name', 'chunks-1', '--secret-key', join(dir, 'k.sec'), '--public-key', join(dir, 'k.pub')]);
  const store = `s3://${await bucket('chunks')}`;
  await cliJson(['init', store]);
  t.match(await cliJson(['push', top, '--to', store, '--sign-key', join(dir, 'k.sec')], { env }), { uploaded: closure.length });
  t.equal(copiesOf(await copies(), parts).length, Math.min(COMPRESSION_SLOTS, parts.length));
  t.same(await readdir(tmp), [], 'no temp cache left');
  const verified = await cliJson(['verify', '--store', store, '--trusted-key', String(key.publicKey)]);
  t.same([verified.checked, verified.ok, verified.failed], [closure.length, closure.length, []]);
});

t.test('a NAR is given as soon as nix has written it, while its copy goes on with the next', { skip: needsNix }, async (t) => {
  const { parts } = await largeClosure(t, 2, 32);
  const dir = await tempDir(t);
  const infos = await queryPathInfo(runProcess, parts, false);
  const nars = compressLargeNars(runProcess, new FileStore(dir), infos, 'zstd', 1);
  t.equal(new Set([...nars.values()].map((n) => n.stop)).size, 1, 'one chunk: one nix copy');
  const first = await Promise.race([...nars].map(([path, n]) => n.nar.then((nar) => ({ path, nar }))));
  const cache = dirname(dirname(first.nar.file));
  const other = parts.find((p) => p !== first.path)!;
  t.ok(existsSync(first.nar.file), 'the first NAR is there');
  t.notOk(existsSync(join(cache, `${hashPart(other)}.narinfo`)), 'before nix has written the second');
  const second = await nars.get(other)!.nar;
  t.equal(dirname(dirname(second.file)), cache, 'in the same temp cache');
  await first.nar.release();
  t.notOk(existsSync(first.nar.file), 'a NAR released is removed at once');
  t.ok(existsSync(cache), 'its temp cache is kept for the other');
  await second.release();
  await nars.get(other)!.ended;
  t.notOk(existsSync(cache), 'and removed with the last, once the copy has ended');
});

t.test('a chunk waits to start while the NARs given and not stored hold too many bytes', { skip: needsNix || (COMPRESSION_SLOTS < 2 && 'one core: one compression at a time') }, async (t) => {
  const { parts } = await largeClosure(t, 3, 2);
  const dir = await tempDir(t);
  const infos = await queryPathInfo(runProcess, parts, false);
  const started: string[][] = [];
  const run: Runner = (file, args, opts) => {
    if (args[0] === 'copy') started.push(args.filter((a) => a.startsWith('/nix/store/')));
    return runProcess(file, args, opts);
  };
  const max = held.max;
  held.max = 1; // any NAR held is too many
  t.teardown(() => void (held.max = max));
  // two places (COMPRESSION_SLOTS on this machine, at least): the first two chunks start at
  // once, before either has given anything
  const nars = compressLargeNars(run, new FileStore(dir), infos, 'zstd', 3);
  const given = await Promise.all(infos.slice(0, 2).map((i) => nars.get(i.path)!.nar));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  await settle();
  t.equal(started.length, 2, 'two copies started; the third waits');
  await given[0]!.release();
  await settle();
  t.equal(started.length, 2, 'one NAR stored, one still held: it waits');
  await given[1]!.release();
  const third = await nars.get(infos[2]!.path)!.nar;
  t.equal(started.length, 3, 'started once none was held');
  await third.release();
  await Promise.all([...nars.values()].map((n) => n.ended));
  t.same(await readdir(dir), [], 'nothing left');
});
