import t from 'tap';
import { execa } from 'execa';
import { processRuns, processState } from '../src/index.js';
import { pidAlive } from '../src/testing.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('processState: running, exited and not reaped, no such process', async (t) => {
  t.match(processState(process.pid), /^[RS]$/, 'this process runs');
  t.ok(processRuns(process.pid));
  // the child exits at once; its parent sleeps and never reaps it: a zombie, as a detached
  // daemon is until init reaps it. (A shell was the parent before, `sleep 0 & echo $!; exec
  // sleep 5`: under load it sometimes reaped the child itself before its exec.)
  const parent = 'import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(5)';
  const sh = execa('python3', ['-c', parent], { reject: false });
  const zombie = await new Promise<number>((resolve) => sh.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  let state: string | undefined;
  for (let i = 0; i < 100 && (state = processState(zombie)) !== 'Z'; i++) await sleep(20);
  t.equal(state, 'Z', 'the exited child is a zombie');
  t.doesNotThrow(() => process.kill(zombie, 0), 'signal 0 still reaches it');
  t.notOk(processRuns(zombie), 'processRuns: it does not run');
  t.notOk(pidAlive(zombie), 'pidAlive of the tests agrees');
  sh.kill();
  await sh;
  for (let i = 0; i < 250 && processState(zombie) !== undefined; i++) await sleep(20); // init reaps it
  t.equal(processState(zombie), undefined, 'once reaped, no such process');
  t.notOk(processRuns(zombie));
});
