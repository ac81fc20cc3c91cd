import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { pidAlive, tempDir } from '../src/testing.js';

// A path removed at exit (removedAtExit) may be written by a subprocess the command started:
// interrupted, the command sends SIGTERM to its subprocesses and removes the path only once
// they have ended (childAtExit through runProcess), a bounded time.
const core = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;

/** A node process that registers `dir` for removal and runs `script` under sh through runProcess; `ready` appears once sh runs. */
async function command(t: Parameters<Parameters<typeof t.test>[1]>[0], script: string) {
  const base = await tempDir(t);
  const dir = join(base, 'scratch');
  const ready = join(base, 'ready');
  const main = join(base, 'main.mjs');
  await writeFile(
    main,
    `import { mkdirSync } from 'node:fs';
import { removedAtExit, runProcess } from ${JSON.stringify(core)};
mkdirSync(${JSON.stringify(dir)});
removedAtExit(${JSON.stringify(dir)});
await runProcess('sh', ['-c', ${JSON.stringify(script)}], { reject: false });
`,
  );
  const child = execa('node', [main], { reject: false, env: { DIR: dir, READY: ready } });
  for (let i = 0; i < 500 && !existsSync(ready); i++) await sleep(10);
  t.ok(existsSync(ready), 'the subprocess runs');
  return { child, dir };
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`${signal}: the path is removed after the subprocess has ended, not before`, async (t) => {
    // on SIGTERM the subprocess writes into the path once more, 0.3 s later, as a nix copy
    // starting up would (mkdir -p of its cache)
    const { child, dir } = await command(t, 'trap "sleep 0.3; mkdir -p $DIR/again; exit 1" TERM; touch $READY; while :; do sleep 0.05; done');
    child.kill(signal);
    const r = await child;
    t.equal(r.signal, signal, 'the command still ends by the signal');
    await sleep(500);
    t.notOk(existsSync(dir), 'the path is gone, and stays gone');
  });
}

t.test('a subprocess that does not end on SIGTERM is waited for a bounded time', async (t) => {
  const { child, dir } = await command(t, 'trap "" TERM; echo $$ > $READY.pid; touch $READY; while :; do sleep 0.05; done');
  const pid = Number(await readFile(`${join(dir, '..', 'ready')}.pid`, 'utf8'));
  t.teardown(() => process.kill(pid, 'SIGKILL'));
  child.kill('SIGTERM');
  const r = await child;
  t.equal(r.signal, 'SIGTERM', 'the command ends all the same');
  t.ok(pidAlive(pid), 'while the subprocess still runs');
  t.notOk(existsSync(dir), 'the path is removed');
});
