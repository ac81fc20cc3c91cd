import t from 'tap';
import { chmod, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import coreEarly from '@iwp/core/early';
import early from '../src/early.cjs';
import { bin, buildClosure, cliJson, fileCache, needsNix, tempDir } from './helpers.js';

// bin/run.js starts a push's `nix path-info` before the CLI loads (src/early.cts); the push
// adopts that run instead of starting its own. `nix` here is a wrapper that logs each call.
t.test('a push of store paths runs nix path-info once, started before the CLI loaded', { skip: needsNix }, async (t) => {
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
  // each NAR compressed by a nix copy of its own into a temp cache, started by the push
  const copies = calls.filter((c) => / copy /.test(c));
  t.same(copies.map((c) => c.split(' ').pop()).sort(), [...closure].sort(), 'one nix copy a path');
  t.ok(copies.every((c) => c.startsWith('late: copy --extra-experimental-features nix-command --no-recursive --to file://')), 'each started by the push, into a temp cache');
  t.equal(calls.length, pathInfos.length + copies.length, 'no other nix call');
  // a command line it does not follow (stdin) starts nothing early: the push runs its own
  await writeFile(log, '');
  const again = await execa('node', [bin, 'push', '--json', '--to', url, '--sign-key', key.sec, '-'], { env, input: `${top}\n` });
  t.match(JSON.parse(again.stdout), { uploaded: 0, skipped: closure.length });
  t.same((await readFile(log, 'utf8')).trim().split('\n'), [`late: path-info --extra-experimental-features nix-command --json --recursive ${top}`], 'one path-info, run by the push');
});

t.test('what a push starts early: the path-info its push asks for; nothing for other command lines', { skip: needsNix }, async (t) => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const p = '/nix/store/00000000000000000000000000000000-x';
  early.startEarlyWork(root, ['push', '--to', 'file:///c', '--sign-key', 'k', p, p]);
  const run = coreEarly.takeEarly('nix', early.pathInfoArgs([p], true));
  t.ok(run, 'nix path-info of the closure, each path once');
  t.match(await run, { exitCode: 1 }, 'nix answers that the path is not there; the push reports it as it would have');
  for (const argv of [['push', '--to', 'file:///c', './no-such-result'], ['push', `${p}.drv`], ['push', 'web.nix'], ['push', '-'], ['verify', p]]) {
    early.startEarlyWork(root, argv);
    t.equal(coreEarly.takeEarly('nix', early.pathInfoArgs(argv.slice(-1), true)), undefined, `nothing for ${argv.join(' ')}`);
  }
});
