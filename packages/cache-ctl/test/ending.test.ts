import t from 'tap';
import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { bin, buildClosure, cliJson, fileCache, loggedNix, needsNix } from './helpers.js';

// How a push ends when it is not let finish as it would. A reader of its output that goes
// away (`cache-ctl push ./result 2>&1 | head -1`) does not stop it halfway (core's
// outliveReaders): here both pipes are closed before the push writes anything, so its first
// log line and its document meet EPIPE. Interrupted (Ctrl-C, SIGTERM), it ends as the signal
// says, and removes its temp caches first (core's removedAtExit), once its nix processes have
// ended; nix's own temp files are in those caches (narstream.ts).
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
    // as soon as a temp cache is there: its nix copy may not have opened it yet, and nix's
    // start (mkdir -p of the cache) would create it again after the push removed it, did the
    // push not wait for its nix processes to end first (core's exit-cleanup.ts)
    for (let i = 0; i < 200 && (await temps()).length === 0; i++) await sleep(5);
    t.ok((await temps()).length > 0, 'a temp cache in the store while the push runs');
    child.kill(signal);
    const r = await child;
    t.equal(r.signal, signal, `ended by ${signal}, as without a handler (exit ${signal === 'SIGINT' ? 130 : 143} in a shell)`);
    t.same(await temps(), [], 'no temp cache left in the store');
    t.same(await readdir(tmp), [], 'nor in TMPDIR');
  });
}
