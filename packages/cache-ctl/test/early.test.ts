import t from 'tap';
import { appendFile, chmod, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import coreEarly from '@iwp/core/early';
import early from '../src/early.cjs';
import { bin, buildClosure, cliJson, fileCache, needsNix, storePathsOf, tempDir } from './helpers.js';

// of pushes whose NARs nix copy compresses and nix checks: zstd's are made on worker threads
// unless IWP_NAR_COMPRESSOR=nix (nar-workers.ts; nar-zstd.test.ts)
process.env.IWP_NAR_COMPRESSOR = 'nix';

// bin/run.js starts a push's `nix path-info` and, into a directory store, its `nix store
// verify` before the CLI loads (src/early.cts); the push adopts those runs instead of
// starting its own (check.test.ts: when it does not). `nix` here is a wrapper that logs
// each call.
t.test('a push of store paths runs nix path-info and the check once each, started before the CLI loaded', { skip: needsNix }, async (t) => {
  const { top, closure } = await buildClosure(0, t);
  const { url, key } = await fileCache(t);
  const shims = await tempDir(t, 'iwp-nix-log-');
  const log = join(shims, 'calls');
  const nix = (await execa('sh', ['-c', 'command -v nix'])).stdout.trim();
  // an early run has /dev/null as stdin (startEarly), one the push starts itself a pipe (execa)
  await writeFile(join(shims, 'nix'), `#!/bin/sh\nif [ -c /dev/stdin ]; then w=early; else w=late; fi\necho "$w: $*" >> ${JSON.stringify(log)}\nexec ${JSON.stringify(nix)} "$@"\n`);
  await chmod(join(shims, 'nix'), 0o755);
  const env = { PATH: `${shims}:${process.env.PATH}` };
  // the path twice, once through a link into the store (as ./result)
  const link = join(shims, 'result');
  await symlink(top, link);
  const r = await cliJson(['push', '--to', url, '--sign-key', key.sec, top, link], { env });
  t.match(r, { kind: 'CachePush', paths: closure.length, uploaded: closure.length });
  const calls = (await readFile(log, 'utf8')).trim().split('\n');
  const pathInfos = calls.filter((c) => / path-info /.test(c));
  t.same(pathInfos, [`early: path-info --extra-experimental-features nix-command --json --recursive ${top}`], 'one path-info, for the closure, the early one');
  // the NARs compressed by nix copy into a temp cache (these small ones in one batch), started by the push
  const copies = calls.filter((c) => / copy /.test(c));
  t.same(copies.flatMap(storePathsOf).sort(), [...closure].sort(), 'each path compressed once');
  t.ok(copies.every((c) => c.startsWith('late: copy --extra-experimental-features nix-command --no-recursive --to file://')), 'each started by the push, into a temp cache');
  const checks = calls.filter((c) => / verify /.test(c));
  t.same(checks, [`early: store verify --extra-experimental-features nix-command --no-trust --recursive ${top}`], 'one check of the closure, the early one');
  t.equal(calls.length, pathInfos.length + copies.length + checks.length, 'no other nix call');
  // a command line it does not follow (stdin) starts nothing early: the push runs its own
  await writeFile(log, '');
  const again = await execa('node', [bin, 'push', '--json', '--to', url, '--sign-key', key.sec, '-'], { env, input: `${top}\n` });
  t.match(JSON.parse(again.stdout), { uploaded: 0, skipped: closure.length });
  t.same((await readFile(log, 'utf8')).trim().split('\n').filter((c) => !/ copy /.test(c)), [`late: path-info --extra-experimental-features nix-command --json --recursive ${top}`], 'one path-info, run by the push');
});

t.test('what a push starts early: the path-info and the check its push asks for; nothing for other command lines', { skip: needsNix }, async (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const p = '/nix/store/00000000000000000000000000000000-x';
  early.startEarlyWork(root, ['push', '--to', 'file:///c', '--sign-key', 'k', p, p]);
  const run = coreEarly.takeEarly('nix', early.pathInfoArgs([p], true));
  t.ok(run, 'nix path-info of the closure, each path once');
  t.match(await run, { exitCode: 1 }, 'nix answers that the path is not there; the push reports it as it would have');
  const check = coreEarly.takeEarly('nix', early.verifyArgs([p]));
  t.ok(check, "nix store verify of the closure's contents");
  await check;
  for (const argv of [['push', '--to', 'file:///c', './no-such-result'], ['push', `${p}.drv`], ['push', 'web.nix'], ['push', '-'], ['verify', p]]) {
    early.startEarlyWork(root, argv);
    t.equal(coreEarly.takeEarly('nix', early.pathInfoArgs(argv.slice(-1), true)), undefined, `nothing for ${argv.join(' ')}`);
    t.equal(coreEarly.takeEarly('nix', early.verifyArgs(argv.slice(-1))), undefined, `no check for ${argv.join(' ')}`);
  }
});

/** A `nix` on PATH that runs `verify` (shell) instead of `nix store verify`, and nix for the rest. */
async function nixWithCheck(t: Parameters<Parameters<typeof t.test>[1]>[0], verify: string) {
  const shims = await tempDir(t, 'iwp-nix-check-');
  const nix = (await execa('sh', ['-c', 'command -v nix'])).stdout.trim();
  await writeFile(join(shims, 'nix'), `#!/bin/sh\nif [ "$1 $2" = "store verify" ]; then ${verify}; fi\nexec ${JSON.stringify(nix)} "$@"\n`);
  await chmod(join(shims, 'nix'), 0o755);
  return { PATH: `${shims}:${process.env.PATH}` };
}

const running = (marker: string) => execa('ps', ['-eo', 'args']).then((r) => String(r.stdout).split('\n').some((l) => l.includes(marker)));

t.test('a push with nothing to do stops the check started early instead of waiting for it', { skip: needsNix }, async (t) => {
  const { top, closure } = await buildClosure(0, t);
  const { url, key } = await fileCache(t);
  await cliJson(['push', '--to', url, '--sign-key', key.sec, top]);
  const marker = `${process.pid}.${Date.now() % 1e6}`;
  const env = await nixWithCheck(t, `exec sleep 31${marker}`); // a check that would take 31 s
  const started = Date.now();
  t.match(await cliJson(['push', '--to', url, '--sign-key', key.sec, top], { env }), { uploaded: 0, skipped: closure.length });
  t.ok(Date.now() - started < 20_000, 'the push did not wait for it');
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(await running(`sleep 31${marker}`), 'and it is not left running');
});

t.test('an early check that fails for another reason is done again by the push: a changed path is still caught', { skip: needsNix }, async (t) => {
  const env = await nixWithCheck(t, 'echo "error: cannot open the database" >&2; exit 1');
  const good = await buildClosure(0, t);
  const a = await fileCache(t, 'a');
  t.match(await cliJson(['push', '--to', a.url, '--sign-key', a.key.sec, good.top], { env }), { uploaded: good.closure.length }, 'nothing changed: pushed after the second check');

  const bad = await buildClosure(0, t);
  const dep = bad.closure.find((p) => p !== bad.top)!;
  await chmod(dep, 0o644);
  await appendFile(dep, 'changed\n');
  await chmod(dep, 0o444);
  const b = await fileCache(t, 'b');
  const r = await execa('node', [bin, 'push', '--to', b.url, '--sign-key', b.key.sec, bad.top], { env, reject: false });
  t.equal(r.exitCode, 1);
  t.match(String(r.stderr), `${dep} changed in the local store`);
  const published = await readdir(b.path);
  for (const p of [dep, bad.top]) t.notOk(published.includes(`${p.slice('/nix/store/'.length, '/nix/store/'.length + 32)}.narinfo`), `${p} not published`);
});
