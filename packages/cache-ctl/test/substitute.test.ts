import t from 'tap';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { bucket, buildClosure, cli, cliJson, deleteLocal, dumpHash, fileCache, keyPair, needsS3, nixOpts, serve, tempDir } from './helpers.js';

t.test('pushed to S3, deleted locally, realised by real nix through serve: byte-identical', { skip: needsS3 }, async (t) => {
  const dir = await tempDir(t);
  const key = await keyPair(t, dir);
  const store = `s3://${await bucket('subst')}/cache`;
  await cliJson(['init', store]);
  const { top, closure } = await buildClosure();
  const before = await Promise.all(closure.map(dumpHash));

  const push = await cliJson(['push', top, '--to', store, '--sign-key', key.sec]);
  t.match(push, { kind: 'CachePush', paths: 2, uploaded: 2, skipped: 0 });
  const again = await cliJson(['push', top, '--to', store, '--sign-key', key.sec]);
  t.match(again, { paths: 2, uploaded: 0, skipped: 2, bytes: 0 }, 'a second push uploads nothing');

  const exists = await cliJson(['exists', '--store', store, ...closure, '/nix/store/00000000000000000000000000000000-nope']);
  t.same(exists.present, closure);
  t.same(exists.missing, ['/nix/store/00000000000000000000000000000000-nope']);

  await deleteLocal(closure);
  const url = await serve(t, store);
  const r = await execa('nix-store', ['--realise', top, ...nixOpts(url, key.pub)], { reject: false });
  t.equal(r.exitCode, 0, r.exitCode === 0 ? 'real nix substituted the closure' : String(r.stderr));
  t.same(await Promise.all(closure.map(dumpHash)), before, 'the realised closure is byte-identical');
  const hello = await execa(join(top, 'bin/hello'));
  t.match(String(hello.stdout), /^hello from /);

  const metrics = await (await fetch(`${url}/metrics`)).text();
  t.match(metrics, /cache_ctl_requests_total\{kind="nar",status="200"\} 2/);
  t.match(metrics, /cache_ctl_request_duration_seconds_bucket/);
  const head = await fetch(`${url}/nix-cache-info`, { method: 'HEAD' });
  t.equal(head.status, 200);
  t.equal((await fetch(`${url}/00000000000000000000000000000000.narinfo`)).status, 404);
});

t.test('NARs are nix-store --dump byte for byte; narinfos match the store; nix and cache-ctl read each other', { skip: needsS3 }, async (t) => {
  const { dir, key, path: ours } = await fileCache(t, 'ours');
  const { top, closure } = await buildClosure();
  await cliJson(['push', top, '--to', `file://${ours}`, '--sign-key', key.sec, '--compression', 'none']);
  for (const p of closure) {
    const hash = p.slice('/nix/store/'.length, '/nix/store/'.length + 32);
    const info = await readFile(join(ours, `${hash}.narinfo`), 'utf8');
    const nar = await readFile(join(ours, /URL: (\S+)/.exec(info)![1]!));
    const dump = (await execa('nix-store', ['--dump', p], { encoding: 'buffer' })).stdout as Uint8Array;
    t.ok(nar.equals(Buffer.from(dump)), `NAR of ${p} is nix-store --dump`);
    t.equal(/NarHash: (\S+)/.exec(info)![1], String((await execa('nix-store', ['--query', '--hash', p])).stdout));
    t.equal(/NarSize: (\S+)/.exec(info)![1], String((await execa('nix-store', ['--query', '--size', p])).stdout));
  }

  // a cache written by nix copy (signed by nix with a key nix generated) passes verify
  const nixCache = join(dir, 'nix');
  await execa('nix-store', ['--generate-binary-cache-key', 'nix-made-1', join(dir, 'nix.sec'), join(dir, 'nix.pub')]);
  const nixPub = (await readFile(join(dir, 'nix.pub'), 'utf8')).trim();
  await execa('nix', ['copy', '--extra-experimental-features', 'nix-command', '--to', `file://${nixCache}?secret-key=${join(dir, 'nix.sec')}&compression=xz`, top]);
  const v = await cliJson(['verify', '--store', `file://${nixCache}`, '--trusted-key', nixPub]);
  t.match(v, { kind: 'CacheVerify', checked: 2, ok: 2, failed: [] });
  const wrongKey = await cli(['verify', '--store', `file://${nixCache}`, '--trusted-key', key.pub]);
  t.equal(wrongKey.exitCode, 1, 'signatures by an untrusted key fail verify');

  // nix's own key file signs our pushes, and nix copy --from reads our cache
  const mixed = join(dir, 'mixed');
  await execa('mkdir', ['-p', mixed]);
  await cliJson(['init', `file://${mixed}`]);
  await cliJson(['push', top, '--to', `file://${mixed}`, '--sign-key', join(dir, 'nix.sec'), '--compression', 'xz']);
  const before = await Promise.all(closure.map(dumpHash));
  await deleteLocal(closure);
  const r = await execa('nix', ['copy', '--extra-experimental-features', 'nix-command', '--from', `file://${mixed}`, top, '--option', 'trusted-public-keys', nixPub], { reject: false });
  t.equal(r.exitCode, 0, r.exitCode === 0 ? 'real nix substituted the closure' : String(r.stderr));
  t.same(await Promise.all(closure.map(dumpHash)), before);
  t.ok((await readdir(join(mixed, 'nar'))).every((f) => f.endsWith('.nar.xz')));
});
