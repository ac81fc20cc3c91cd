import t from 'tap';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { bin, buildClosure, cliJson, fileCache, loggedNix, needsNix } from './helpers.js';

// How a push ends when it is not let finish as it would. A reader of its output that goes
// away (`cache-ctl push ./result 2>&1 | head -1`) does not stop it halfway (core's
// outliveReaders): here both pipes are closed before the push writes anything, so its first
// log line and its document meet EPIPE. Interrupted (Ctrl-C, SIGTERM), it ends as the signal
// says, and removes its temp caches first (core's removedAtExit).
t.test('a push whose stdout and stderr readers are gone completes, and leaves no temp cache', { skip: needsNix }, async (t) => {
  const { env, tmp } = await loggedNix(t);
  const { top, closure } = await buildClosure(3, t); // a large NAR and two small ones
  const { url, path, key } = await fileCache(t);
  const child = execa('node', [bin, 'push', top, '--to', url, '--sign-key', key.sec], { env, reject: false, buffer: false });
  child.stdout!.destroy();
  child.stderr!.destroy();
  const r = await child;
  t.equal(r.exitCode, 0, 'the exit code is the push\'s');
  const files = await readdir(path);
  t.equal(files.filter((f) => f.endsWith('.narinfo')).length, closure.length, 'every path published');
  t.same(files.filter((f) => f.endsWith('.tmp')), [], 'no temp cache left in the store');
  t.same(await readdir(tmp), [], 'nor in TMPDIR');
  t.match(await cliJson(['push', top, '--to', url, '--sign-key', key.sec]), { uploaded: 0, skipped: closure.length });
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`a push ended by ${signal} leaves no temp cache, in the store nor in TMPDIR`, { skip: needsNix }, async (t) => {
    const { env, tmp } = await loggedNix(t);
    const { top } = await buildClosure(48, t); // a 48 MiB NAR: compressing takes a while
    const { url, path, key } = await fileCache(t);
    const child = execa('node', [bin, 'push', top, '--to', url, '--sign-key', key.sec, '--jobs', '1'], { env, reject: false });
    const temps = async () => (await readdir(path)).filter((f) => f.endsWith('.tmp'));
    // once nix has opened a temp cache (its nix-cache-info written): a nix copy that has not
    // yet opened its cache when the push is interrupted creates it again after the push
    // removed it (nix's init is mkdir -p), a race the README names as not closed
    const opened = async () => (await Promise.all((await temps()).map((d) => readdir(join(path, d)).catch(() => [])))).some((f) => f.includes('nix-cache-info'));
    for (let i = 0; i < 200 && !(await opened()); i++) await sleep(20);
    t.ok(await opened(), 'a temp cache in the store, opened by nix, while the push runs');
    child.kill(signal);
    const r = await child;
    t.equal(r.signal, signal, `ended by ${signal}, as without a handler (exit ${signal === 'SIGINT' ? 130 : 143} in a shell)`);
    t.same(await temps(), [], 'no temp cache left in the store');
    t.same(await readdir(tmp), [], 'nor in TMPDIR');
  });
}
