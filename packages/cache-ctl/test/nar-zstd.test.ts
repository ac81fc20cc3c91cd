import t from 'tap';
import { createHash, randomUUID } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { execa } from 'execa';
import { writeNar } from '../src/nar-writer.js';
import { narToZstd } from '../src/nar-zstd.js';
import { COMPRESSION_SLOTS, compressLargeNars, compressSmallNars, held } from '../src/narstream.js';
import { queryPathInfo } from '../src/localstore.js';
import { FileStore, makeS3Client, runProcess } from '@iwp/core';
import { bucket, buildClosure, cliJson, largeClosure, fileCache, keyPair, loggedNix, needsNix, needsS3, tempDir } from './helpers.js';

// NARs made on worker threads (nar-zstd.ts, nar-workers.ts): the bytes of `nix-store --dump`,
// compressed to the bytes of `nix copy`, hashed on the way; a zstd push runs no nix copy and
// no nix check of its own.
const NIX = ['--extra-experimental-features', 'nix-command'];
type T = { teardown(fn: () => unknown): void };

/** A store path holding what NARs are made of: nested directories, a symlink, executable and empty files, a name not in ASCII, a file over the 1 MiB buffer. */
async function oddPath(t: T): Promise<string> {
  const dir = join(await tempDir(t), `odd-${randomUUID().slice(0, 8)}`);
  await mkdir(join(dir, 'b', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'b', 'deeper', 'seven'), 'seven!\n'); // not a multiple of 8
  await writeFile(join(dir, 'empty'), '');
  await writeFile(join(dir, 'run'), '#!/bin/sh\necho hi\n');
  await chmod(join(dir, 'run'), 0o755);
  await writeFile(join(dir, 'ünïcode'), 'é');
  await writeFile(join(dir, 'B'), 'upper before lower');
  await writeFile(join(dir, 'big'), Buffer.from(Array.from({ length: (3 << 20) + 5 }, (_, i) => (i * 7919) % 251)));
  await symlink('b/deeper/seven', join(dir, 'link'));
  const r = await execa('nix-store', ['--add', dir]);
  const path = String(r.stdout).trim();
  t.teardown(() => execa('nix-store', ['--delete', path], { reject: false }));
  return path;
}

const dump = async (path: string) => (await execa('nix-store', ['--dump', path], { encoding: 'buffer' })).stdout as Uint8Array;

t.test('writeNar writes the bytes of nix-store --dump', { skip: needsNix }, async (t) => {
  const path = await oddPath(t);
  const chunks: Buffer[] = [];
  writeNar(path, (c) => chunks.push(Buffer.from(c)));
  t.ok(chunks.length > 3, `in chunks (${chunks.length})`);
  t.ok(chunks.every((c) => c.length <= 1 << 20), 'of at most 1 MiB');
  t.ok(Buffer.concat(chunks).equals(await dump(path)), 'byte for byte');
});

t.test('narToZstd: the NAR hash the store registered, the bytes nix copy writes, a file that decompresses to the NAR', { skip: needsNix }, async (t) => {
  const dir = await tempDir(t);
  const { closure } = await buildClosure(3, t);
  for (const path of [await oddPath(t), ...closure]) {
    const dest = join(dir, `${randomUUID()}.nar.zst`);
    const made = narToZstd(path, dest);
    const registered = String((await execa('nix-store', ['--query', '--hash', path])).stdout).trim();
    t.equal(made.narHash, registered, `${path}: the registered NAR hash`);
    const file = await readFile(dest);
    t.equal(made.fileSize, file.length, 'FileSize');
    t.equal(made.fileSha256, createHash('sha256').update(file).digest('hex'), 'FileHash');
    const back = await execa('zstd', ['-dc', dest], { encoding: 'buffer' });
    t.ok(Buffer.from(back.stdout as Uint8Array).equals(await dump(path)), 'decompresses to nix-store --dump');
    t.equal(made.narSize, (await dump(path)).length, 'NarSize');
    // nix copy of the same path, zstd at nix's level: the same bytes
    const n = join(dir, `nix-${randomUUID()}`);
    await execa('nix', ['copy', ...NIX, '--to', `file://${n}?compression=zstd`, path]);
    const info = await readFile(join(n, `${path.slice('/nix/store/'.length, '/nix/store/'.length + 32)}.narinfo`), 'utf8');
    t.ok((await readFile(join(n, /^URL: (.*)$/m.exec(info)![1]!))).equals(file), 'byte for byte what nix copy writes');
  }
});

t.test('a zstd push runs no nix copy and no nix check: the NARs are made and checked on worker threads', { skip: needsS3 }, async (t) => {
  const { env, log, tmp } = await loggedNix(t);
  const { top, closure } = await buildClosure(3, t);
  const key = await keyPair(t, await tempDir(t));
  const calls = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const dirCache = await fileCache(t);
  t.match(await cliJson(['push', top, '--to', dirCache.url, '--sign-key', dirCache.key.sec], { env }), { uploaded: closure.length });
  t.same((await calls()).filter((l) => !l.startsWith('path-info ')), [], 'into a directory: nix answered path-info only (bin/run.js started no check)');
  const s3 = `s3://${await bucket('workers')}`;
  await cliJson(['init', s3]);
  await writeFile(log, '');
  t.match(await cliJson(['push', top, '--to', s3, '--sign-key', key.sec], { env }), { uploaded: closure.length });
  const lines = await calls();
  t.same(lines.filter((l) => !l.startsWith('path-info ')), [], 'into S3: nix answered path-info only');
  t.same(await readdir(tmp), [], 'nothing left in the temp directory');
  const keys = ((await makeS3Client({}).send(new ListObjectsV2Command({ Bucket: s3.slice(5) }))).Contents ?? []).map((o) => o.Key!);
  t.equal(keys.filter((k) => k.endsWith('.narinfo')).length, closure.length, 'a narinfo a path');
  // the same with IWP_NAR_COMPRESSOR=nix: nix copy and nix's check
  const s3b = `s3://${await bucket('by-nix')}`;
  await cliJson(['init', s3b]);
  await writeFile(log, '');
  t.match(await cliJson(['push', top, '--to', s3b, '--sign-key', key.sec], { env: { ...env, IWP_NAR_COMPRESSOR: 'nix' } }), { uploaded: closure.length });
  const byNix = await calls();
  t.ok(byNix.some((l) => l.startsWith('copy ')), 'IWP_NAR_COMPRESSOR=nix: nix copy compresses');
  t.ok(byNix.some((l) => l.startsWith('nix-store --verify-path ')), 'and nix checks');
});


t.test('on worker threads too, a NAR waits to start while the NARs given and not stored hold too many bytes', { skip: needsNix || (COMPRESSION_SLOTS < 2 && 'one core: one compression at a time') }, async (t) => {
  const { parts } = await largeClosure(t, 3, 2);
  const dir = await tempDir(t);
  const infos = await queryPathInfo(runProcess, parts, false);
  const max = held.max;
  held.max = 1; // any NAR held is too many
  t.teardown(() => void (held.max = max));
  const nars = compressLargeNars(runProcess, new FileStore(dir), infos, 'zstd');
  const given = await Promise.all(infos.slice(0, 2).map((i) => nars.get(i.path)!.nar));
  let third = false;
  void nars.get(infos[2]!.path)!.nar.then(() => (third = true));
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  await settle();
  t.notOk(third, 'two made at once, before either was held; the third waits');
  await given[0]!.release();
  await settle();
  t.notOk(third, 'one NAR stored, one still held: it waits');
  await given[1]!.release();
  const last = await nars.get(infos[2]!.path)!.nar;
  t.pass('made once none was held');
  await last.release();
  await Promise.all([...nars.values()].map((n) => n.ended));
  t.same(await readdir(dir), [], 'nothing left');
});

t.test('on worker threads a small NAR does not wait behind the large ones waiting for a place: a thread takes it before them', { skip: needsNix || (COMPRESSION_SLOTS < 2 && 'one core: one compression at a time') }, async (t) => {
  const { parts } = await largeClosure(t, 4, 16); // two running, two waiting for a place
  const { top } = await buildClosure(0, t);
  const dir = await tempDir(t);
  const [large, [small]] = await Promise.all([queryPathInfo(runProcess, parts, false), queryPathInfo(runProcess, [top], false)]);
  const store = new FileStore(dir);
  const order: string[] = [];
  const given = (m: Map<string, { nar: Promise<{ release: () => Promise<void> }> }>, name: (p: string) => string) =>
    [...m].map(([p, c]) => c.nar.then(async (n) => (order.push(name(p)), await n.release())));
  const bigs = compressLargeNars(runProcess, store, large, 'zstd');
  const smalls = compressSmallNars(runProcess, store, [small!], 'zstd', new AbortController());
  await Promise.all([...given(bigs, (p) => `large ${large.findIndex((i) => i.path === p) + 1}`), ...given(smalls, () => 'small')]);
  // two threads: the small NAR goes to a thread at once, or once the first large one is made
  t.ok(order.indexOf('small') <= 1, `the small NAR among the first two made (${order.join(', ')})`);
  await Promise.all([...bigs.values(), ...smalls.values()].map((c) => c.ended));
  t.same(await readdir(dir), [], 'nothing left');
});

t.test('on worker threads a NAR stopped under way ends within a chunk and leaves nothing; its thread then makes the next one', { skip: needsNix }, async (t) => {
  const { parts } = await largeClosure(t, 1, 64);
  const [info] = await queryPathInfo(runProcess, parts, false);
  const dir = await tempDir(t);
  const store = new FileStore(dir);
  const first = compressLargeNars(runProcess, store, [info!], 'zstd').get(info!.path)!;
  // under way: the thread has opened the file it writes
  const writing = async (): Promise<boolean> => {
    for (const e of await readdir(dir)) if ((await readdir(join(dir, e)).catch(() => [])).includes('nar')) return true;
    return false;
  };
  while (!(await writing())) await new Promise((resolve) => setTimeout(resolve, 2));
  first.stop.abort();
  await t.rejects(first.nar, { name: 'AbortError' }, 'the NAR ends unmade (a 64 MiB NAR; one chunk is 1 MiB)');
  await first.ended;
  t.same(await readdir(dir), [], 'its file and temp cache removed');
  const again = compressLargeNars(runProcess, store, [info!], 'zstd').get(info!.path)!;
  const nar = await again.nar;
  await again.checked;
  t.equal(nar.size, (await readFile(nar.file)).length, 'the next NAR is made whole');
  await nar.release();
  await again.ended;
});
