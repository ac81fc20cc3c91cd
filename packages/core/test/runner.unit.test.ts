import t from 'tap';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IwpError } from '../src/errors.js';
import { runProcess } from '../src/runner.js';
import { pidAlive } from '../src/testing.js';

const sh = (script: string, opts: Parameters<typeof runProcess>[2] = {}) => runProcess('sh', ['-c', script], opts);

t.test('runner: output, exit codes and the errors it makes', async (t) => {
  t.same(await sh('echo out; echo err >&2'), { stdout: 'out', stderr: 'err', exitCode: 0 });
  t.same(await sh('echo half; exit 3', { reject: false }), { stdout: 'half', stderr: '', exitCode: 3 });
  await t.rejects(sh('echo one >&2; echo two >&2; exit 4'), { code: 'PROCESS_FAILED', message: 'sh exited 4: one | two' });
  const missing = await runProcess('iwp-no-such-program', []).catch((e: unknown) => e);
  t.ok(missing instanceof IwpError);
  t.match(missing, { code: 'PROCESS_FAILED', details: { file: 'iwp-no-such-program', notFound: true } });
  await t.rejects(runProcess('sleep', ['5'], { timeoutMs: 50 }), { code: 'TIMEOUT' });
});

t.test('runner: environment only as given with extendEnv false; stdin ignored reads as empty', async (t) => {
  process.env.IWP_RUNNER_TEST = 'leaks';
  t.teardown(() => delete process.env.IWP_RUNNER_TEST);
  t.equal((await sh('echo "[$IWP_RUNNER_TEST][$ONLY]"', { env: { ONLY: 'x' } })).stdout, '[leaks][x]');
  t.equal((await runProcess('/bin/sh', ['-c', 'echo "[$IWP_RUNNER_TEST][$ONLY]"'], { env: { ONLY: 'x' }, extendEnv: false })).stdout, '[][x]');
  t.equal((await sh('cat; echo end', { stdin: 'ignore' })).stdout, 'end');
  t.equal((await sh('cat', { input: 'fed' })).stdout, 'fed');
});

t.test('runner: binary stdout is the exact bytes', async (t) => {
  const r = await sh("printf '\\377\\000ab\\n'", { binary: true });
  t.same([...r.stdoutBytes!], [0xff, 0x00, 0x61, 0x62, 0x0a]);
  t.equal(createHash('sha256').update(r.stdoutBytes!).digest('hex'), createHash('sha256').update(Buffer.from([0xff, 0, 0x61, 0x62, 0x0a])).digest('hex'));
});

t.test('runner: streamed output arrives in order and is not collected', async (t) => {
  const seen: string[] = [];
  const r = await sh('echo a; echo b >&2; echo c', { onOutput: (s, text) => seen.push(`${s}:${text}`) });
  t.same(r, { stdout: '', stderr: '', exitCode: 0 });
  t.equal(seen.filter((l) => l.startsWith('stdout:')).map((l) => l.slice(7)).join(''), 'a\nc\n');
  t.equal(seen.filter((l) => l.startsWith('stderr:')).map((l) => l.slice(7)).join(''), 'b\n');
});

t.test('runner: an abort stops the whole process group, and the result says canceled', async (t) => {
  const stop = new AbortController();
  let child = 0;
  const r = await sh('sleep 300 & echo $!; wait', {
    processGroup: true,
    signal: stop.signal,
    reject: false,
    onOutput: (s, text) => {
      child = Number(text.trim());
      stop.abort();
    },
  });
  t.equal(r.canceled, true);
  t.equal(r.signal, 'SIGTERM');
  t.equal(r.exitCode, -1);
  t.ok(child > 0, 'the shell said its child');
  for (let i = 0; i < 100 && pidAlive(child); i++) await sleep(20); // the group was signalled: the child goes too
  t.notOk(pidAlive(child), 'the shell\'s child is gone too');
  // the program itself, not through a shell: a shell's child would hold the pipes open after the shell was stopped
  await t.rejects(runProcess('sleep', ['300'], { signal: AbortSignal.abort() }), { code: 'PROCESS_FAILED', message: 'sleep stopped' });
});
