import t from 'tap';
import { readdir } from 'node:fs/promises';
import { execa } from 'execa';
import { bin, buildClosure, cliJson, fileCache, loggedNix, needsNix } from './helpers.js';

// A reader of the push's output that goes away (`cache-ctl push ./result 2>&1 | head -1`) does
// not stop the push halfway (core's outliveReaders): here both pipes are closed before the
// push writes anything, so its first log line and its document meet EPIPE.
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
