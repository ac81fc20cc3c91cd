import t from 'tap';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { bucket, buildClosure, cliJson, fileCache, loggedNix, needsNix, needsS3, storePathsOf, tempDir } from './helpers.js';

// of pushes whose NARs nix copy compresses and nix checks: zstd's are made on worker threads
// unless IWP_NAR_COMPRESSOR=nix (nar-workers.ts; nar-zstd.test.ts)
process.env.IWP_NAR_COMPRESSOR = 'nix';

// A push starts compressing its first large NARs as soon as it knows the closure, before it
// asks the cache what it has (push.ts, compressAhead); those of paths the cache has are
// stopped and removed. `nix` is a wrapper that logs each call; TMPDIR is the test's own, so
// what a push into S3 leaves in it can be seen (helpers.ts, loggedNix).
t.test('into a directory: the large NAR compressed ahead is the one stored; a push with nothing to do leaves no temp cache', { skip: needsNix }, async (t) => {
  const { env, log, copies } = await loggedNix(t);
  const { top, closure } = await buildClosure(3, t); // top, dep, and a 3 MiB path: one large NAR
  const big = closure.find((p) => p.endsWith('-cc-big'))!;
  const { url, path, key } = await fileCache(t);
  const first = await cliJson(['push', top, '--to', url, '--sign-key', key.sec], { env });
  t.match(first, { uploaded: closure.length, skipped: 0 });
  const copied = (await copies()).flatMap(storePathsOf);
  t.same(copied.sort(), [...closure].sort(), 'each path compressed once: the large one not twice');
  t.equal((await copies()).length, 2, 'by two nix copies: the large NAR alone, the small ones in one batch');
  t.same((await readdir(path)).filter((f) => f.endsWith('.tmp')), []);
  const nars = (await readdir(join(path, 'nar'))).sort();
  t.equal(nars.length, closure.length);

  await writeFile(log, '');
  const again = await cliJson(['push', top, '--to', url, '--sign-key', key.sec], { env });
  t.match(again, { uploaded: 0, skipped: closure.length });
  t.ok((await copies()).every((c) => c.endsWith(` ${big}`)), 'nothing compressed but, perhaps, the large NAR ahead');
  t.same((await readdir(path)).filter((f) => f.endsWith('.tmp')), [], 'which was stopped and removed');
  t.same((await readdir(join(path, 'nar'))).sort(), nars, 'no NAR added or changed');
});

t.test('into S3: nothing is left in the temp directory, after a push and after one with nothing to do', { skip: needsS3 }, async (t) => {
  const { env, tmp } = await loggedNix(t);
  const { top, closure } = await buildClosure(3, t);
  const dir = await tempDir(t);
  const key = await cliJson(['keygen', '--name', 'ahead-1', '--secret-key', join(dir, 'k.sec'), '--public-key', join(dir, 'k.pub')]);
  t.ok(key.publicKey);
  const store = `s3://${await bucket('ahead')}`;
  await cliJson(['init', store]);
  t.match(await cliJson(['push', top, '--to', store, '--sign-key', join(dir, 'k.sec')], { env }), { uploaded: closure.length });
  t.same(await readdir(tmp), [], 'no temp cache left');
  t.match(await cliJson(['push', top, '--to', store, '--sign-key', join(dir, 'k.sec')], { env }), { uploaded: 0, skipped: closure.length });
  t.same(await readdir(tmp), [], 'none after a push with nothing to do either');
});

t.test('a missing directory store is not created by a compression started ahead', { skip: needsNix }, async (t) => {
  const { env } = await loggedNix(t);
  const { top } = await buildClosure(3, t);
  const dir = await tempDir(t);
  const { key } = await fileCache(t);
  const r = await execa('node', [join(import.meta.dirname, '..', 'bin', 'run.js'), 'push', top, '--to', `file://${dir}/missing`, '--sign-key', key.sec], { env, reject: false });
  t.equal(r.exitCode, 4, String(r.stderr));
  t.same(await readdir(dir), [], 'nothing written');
});

t.test("a directory store whose path has a '?': nix gets its temp caches through links, nothing is written elsewhere", { skip: needsNix }, async (t) => {
  const { env, tmp } = await loggedNix(t);
  const { top, closure } = await buildClosure(3, t); // a large NAR alone, two small ones in a batch
  const parent = await tempDir(t);
  const path = join(parent, 'c?ache');
  await mkdir(path);
  const url = pathToFileURL(path).href; // file:///…/c%3Fache
  const key = await cliJson(['keygen', '--name', 'ahead-q-1', '--secret-key', join(parent, 'k.sec'), '--public-key', join(parent, 'k.pub')]);
  await cliJson(['init', url]);
  t.match(await cliJson(['push', top, '--to', url, '--sign-key', join(parent, 'k.sec')], { env }), { uploaded: closure.length });
  t.same((await readdir(parent)).sort(), ['c?ache', 'k.pub', 'k.sec'], 'nothing written beside the store (nix, given the path up to its ?, would have written into …/c)');
  const files = await readdir(path);
  t.equal(files.filter((f) => f.endsWith('.narinfo')).length, closure.length);
  t.same(files.filter((f) => f.endsWith('.tmp')), [], 'no temp cache left in the store');
  t.same(await readdir(tmp), [], 'nor a link in TMPDIR');
  const verified = await cliJson(['verify', '--store', url, '--trusted-key', String(key.publicKey)]);
  t.same([verified.checked, verified.ok, verified.failed], [closure.length, closure.length, []]);
});
