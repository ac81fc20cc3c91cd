import t from 'tap';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { buildClosure, cliJson, deleteLocal, dumpHash, fileCache, needsNix } from './helpers.js';

const NIX = ['--extra-experimental-features', 'nix-command'];
const field = (info: string, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(info)?.[1];

/** narinfo text by store path hash part */
async function narinfos(dir: string): Promise<Map<string, string>> {
  const names = (await readdir(dir)).filter((f) => f.endsWith('.narinfo')).sort();
  return new Map(await Promise.all(names.map(async (f) => [f.slice(0, 32), await readFile(join(dir, f), 'utf8')] as const)));
}

t.test('zstd pushes of one closure: identical narinfos whatever --jobs, the NAR bytes nix copy writes, substituted by real nix', { skip: needsNix }, async (t) => {
  const a = await fileCache(t, 'a');
  const b = await fileCache(t, 'b');
  const { top, closure } = await buildClosure(3, t);
  // the same closure pushed twice, one path at a time and all at once, into fresh caches
  await cliJson(['push', top, '--to', a.url, '--sign-key', a.key.sec, '--jobs', '1']);
  await cliJson(['push', top, '--to', b.url, '--sign-key', a.key.sec, '--jobs', '4']);
  const ours = await narinfos(a.path);
  t.equal(ours.size, closure.length);
  for (const c of [a, b]) t.same((await readdir(c.path)).filter((f) => f.endsWith('.tmp')), [], 'no temp cache of a nix copy left in the store');
  t.same([...(await narinfos(b.path)).entries()], [...ours.entries()], 'narinfos (FileHash, FileSize, Sig) are byte-identical');
  for (const [hash, info] of ours) {
    const url = field(info, 'URL')!;
    t.match(url, /^nar\/[0-9a-z]{52}\.nar\.zst$/);
    t.ok((await readFile(join(a.path, url))).equals(await readFile(join(b.path, url))), `NAR of ${hash} is byte-identical`);
  }

  // each NAR is compressed by nix copy itself (narstream.ts): its fields are those of a nix
  // copy of the whole closure
  const n = join(a.dir, 'nix');
  await execa('nix', ['copy', ...NIX, '--to', `file://${n}?compression=zstd`, top]);
  const theirs = await narinfos(n);
  t.same([...theirs.keys()], [...ours.keys()]);
  for (const [hash, info] of ours) {
    const nix = theirs.get(hash)!;
    for (const f of ['FileHash', 'FileSize', 'NarHash', 'NarSize', 'Compression']) t.equal(field(info, f), field(nix, f), `${hash} ${f} as nix copy`);
  }

  // real nix substitutes the closure from our cache: byte-identical
  const before = await Promise.all(closure.map(dumpHash));
  await deleteLocal(closure);
  const r = await execa('nix', ['copy', ...NIX, '--from', a.url, top, '--option', 'trusted-public-keys', a.key.pub], { reject: false });
  t.equal(r.exitCode, 0, r.exitCode === 0 ? 'real nix substituted the closure' : String(r.stderr));
  t.same(await Promise.all(closure.map(dumpHash)), before, 'the substituted closure is byte-identical');
});
