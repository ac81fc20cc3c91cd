import t from 'tap';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import earlyModule from '../src/early.cjs';
import { runProcess } from '../src/runner.js';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// early.cts is CommonJS: ES modules get its exports as the default export
const { commandLine, dropEarly, startEarly, takeEarly } = earlyModule;

async function temp(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-early-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** a program that counts its runs in `file` and answers on both streams, exiting 3 */
const counting = (file: string) => ['-e', `require('fs').appendFileSync(${JSON.stringify(file)}, 'run\\n'); console.log('out'); console.error('err'); process.exit(3)`];

t.test('runProcess adopts an early run of the same program and arguments instead of running it again', async (t) => {
  const runs = join(await temp(t), 'runs');
  const args = counting(runs);
  startEarly(process.execPath, args);
  const r = await runProcess(process.execPath, args, { reject: false });
  t.same(r, { stdout: 'out', stderr: 'err', exitCode: 3 }, 'the result as execa gives it: final newlines stripped');
  t.equal(await readFile(runs, 'utf8'), 'run\n', 'the program ran once');
  t.equal(takeEarly(process.execPath, args), undefined, 'an adopted run is gone');
  await runProcess(process.execPath, args, { reject: false });
  t.equal(await readFile(runs, 'utf8'), 'run\nrun\n', 'the next call runs it');
});

t.test('an early run is adopted only by the same arguments and options that would not change it', async (t) => {
  const dir = await temp(t);
  const runs = join(dir, 'runs');
  const args = counting(runs);
  startEarly(process.execPath, args);
  await runProcess(process.execPath, [...args, 'extra'], { reject: false });
  await runProcess(process.execPath, args, { reject: false, cwd: dir });
  t.equal(await readFile(runs, 'utf8'), 'run\nrun\nrun\n', 'other arguments, or a cwd, run it themselves');
  await t.rejects(runProcess(process.execPath, args), { code: 'PROCESS_FAILED' }, 'adopted with reject: a non-zero exit still throws');
  t.equal(await readFile(runs, 'utf8'), 'run\nrun\nrun\n', 'that one was the early run');
});

t.test('an early run of a program that does not exist fails as runProcess would', async (t) => {
  startEarly('iwp-no-such-program', ['x']);
  await t.rejects(runProcess('iwp-no-such-program', ['x']), { code: 'PROCESS_FAILED', details: { notFound: true } });
});

/** whether a process whose command line contains `marker` is running */
const alive = (marker: string) => execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((l) => l.includes(marker));

t.test('an early run the command drops is stopped, and so is one never adopted when the process ends', async (t) => {
  const marker = `${Date.now() % 1e6}.5`;
  startEarly('sleep', [`3${marker}`]);
  t.ok(alive(`sleep 3${marker}`), 'running');
  t.equal(dropEarly('sleep', [`3${marker}`]), true);
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(alive(`sleep 3${marker}`), 'stopped by dropEarly');
  t.equal(takeEarly('sleep', [`3${marker}`]), undefined, 'and gone');
  t.equal(dropEarly('sleep', [`3${marker}`]), false, 'nothing to drop twice');

  // a process that starts one and ends without adopting it
  const early = fileURLToPath(new URL('../dist/early.cjs', import.meta.url));
  execFileSync(process.execPath, ['-e', `require(${JSON.stringify(early)}).startEarly('sleep', ['4${marker}'])`]);
  await new Promise((r) => setTimeout(r, 100));
  t.notOk(alive(`sleep 4${marker}`), 'stopped when the process that started it ended');
});

t.test('commandLine reads argv as oclif will, against the manifest', async (t) => {
  const root = await temp(t);
  await mkdir(join(root, 'dist', '.startup'), { recursive: true });
  const flags = {
    json: { type: 'boolean', allowNo: false },
    force: { type: 'boolean', allowNo: true },
    to: { type: 'option' },
    jobs: { type: 'option', char: 'j' },
    key: { type: 'option', multiple: true },
  };
  await writeFile(join(root, 'dist', '.startup', 'oclif.manifest.json'), JSON.stringify({ commands: { push: { flags }, 'runs:list': { flags: {} } } }));
  t.same(commandLine(root, ['push', '--to', 'file:///c', '-j', '2', '--json', '/nix/store/a', '--no-force', '-', '--', '--x']), {
    id: 'push',
    flags: { to: 'file:///c', jobs: '2', json: true, force: false },
    args: ['/nix/store/a', '-', '--x'],
  });
  t.same(commandLine(root, ['push', '--to=s3://b', 'p']), { id: 'push', flags: { to: 's3://b' }, args: ['p'] });
  t.same(commandLine(root, ['runs', 'list']), { id: 'runs:list', flags: {}, args: [] }, 'topics separated by spaces');
  for (const argv of [['nope'], ['push', '--what'], ['push', '-j4'], ['push', '--to'], ['push', '--json=1'], ['push', '--key', 'a'], ['push', '--no-json']]) {
    t.equal(commandLine(root, argv), undefined, `no guess for ${argv.join(' ')}`);
  }
  t.equal(commandLine(join(root, 'none'), ['push']), undefined, 'no manifest, no guess');
});
