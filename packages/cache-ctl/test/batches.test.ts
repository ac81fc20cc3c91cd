import t from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { execa } from 'execa';
import { BATCH } from '../src/narstream.js';
import { bucket, cliJson, fileCache, fixture, loggedNix, needsNix, needsS3, storePathsOf, tempDir } from './helpers.js';

// of pushes whose NARs nix copy compresses and nix checks: zstd's are made on worker threads
// unless IWP_NAR_COMPRESSOR=nix (nar-workers.ts; nar-zstd.test.ts)
process.env.IWP_NAR_COMPRESSOR = 'nix';

// Small NARs are compressed in batches, one nix copy of up to BATCH paths each, instead of
// a nix process a path (narstream.ts, compressSmallNars). `nix` is a wrapper that logs each
// call; TMPDIR is the test's own, so what a push into S3 leaves in it can be seen (helpers.ts, loggedNix).
type T = { teardown(fn: () => unknown): void };

async function manyClosure(t: T) {
  const r = await execa('nix-build', ['--no-out-link', fixture('many.nix'), '--argstr', 'nonce', randomUUID()]);
  const top = String(r.stdout).trim();
  const closure = String((await execa('nix-store', ['--query', '--requisites', top])).stdout).split('\n').filter(Boolean).sort();
  t.teardown(() => execa('nix-store', ['--delete', ...closure], { reject: false }));
  return { top, closure };
}

/** Substitutes the closure from the cache into a fresh store of its own: nix checks every NAR against its NarHash. */
async function substitutes(t: T, url: string, top: string) {
  const store = join(await tempDir(t, 'iwp-subst-'), 'store');
  await execa('nix', ['copy', '--extra-experimental-features', 'nix-command', '--no-check-sigs', '--from', url, '--to', store, top]);
  const r = await execa('nix', ['store', 'verify', '--extra-experimental-features', 'nix-command', '--no-trust', '--store', store, '--recursive', top]);
  return r.exitCode === 0;
}

t.test('into a directory: a closure of many small paths in two nix copies, twins sharing one NAR, all of it substitutable', { skip: needsNix }, async (t) => {
  const { top, closure } = await manyClosure(t);
  t.equal(closure.length, 73, '70 parts, two twins, the top');
  const { env, copies } = await loggedNix(t);
  const { url, path, key } = await fileCache(t);
  t.match(await cliJson(['push', top, '--to', url, '--sign-key', key.sec], { env }), { uploaded: closure.length, skipped: 0 });
  const batches = (await copies()).map(storePathsOf);
  t.same(batches.map((b) => b.length), [BATCH, closure.length - BATCH], `batches of at most ${BATCH}`);
  t.same(batches.flat().sort(), closure, 'each path compressed once');
  const files = await readdir(path);
  t.equal(files.filter((f) => f.endsWith('.narinfo')).length, closure.length);
  t.same(files.filter((f) => f.endsWith('.tmp')), [], 'no temp cache left');
  t.equal((await readdir(join(path, 'nar'))).length, closure.length - 1, 'the twins share a NAR: one file for both');
  const verified = await cliJson(['verify', '--store', url, '--trusted-key', key.pub]);
  t.same([verified.checked, verified.ok, verified.failed], [closure.length, closure.length, []]);
  t.ok(await substitutes(t, url, top), 'nix substitutes the whole closure from it');
});

t.test('into S3: the same, and nothing left in the temp directory', { skip: needsS3 }, async (t) => {
  const { top, closure } = await manyClosure(t);
  const { env, tmp, copies } = await loggedNix(t);
  const dir = await tempDir(t);
  const key = await cliJson(['keygen', '--name', 'batches-1', '--secret-key', join(dir, 'k.sec'), '--public-key', join(dir, 'k.pub')]);
  const store = `s3://${await bucket('batches')}`;
  await cliJson(['init', store]);
  t.match(await cliJson(['push', top, '--to', store, '--sign-key', join(dir, 'k.sec')], { env }), { uploaded: closure.length });
  t.equal((await copies()).length, 2, 'two nix copies');
  t.same(await readdir(tmp), [], 'no temp cache left');
  const verified = await cliJson(['verify', '--store', store, '--trusted-key', String(key.publicKey)]);
  t.same([verified.checked, verified.ok, verified.failed], [closure.length, closure.length, []]);
});
