import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelineRun } from '@iwp/core';
import { pidAlive } from '@iwp/core/testing';
import { fixture, pushPayload, tempDir } from './helpers.js';
import { startServer } from './serve-helpers.js';

t.test('a server killed mid-run: its job is stopped, and the run is marked failed when a server starts again', async (t) => {
  const dir = await tempDir(t);
  const dirs = { runsDir: join(dir, 'runs'), stateDir: join(dir, 'state') };
  const pidfile = join(dir, 'job.pid');
  const s = await startServer(t, fixture('hang.ts'), [], dirs);
  const res = await s.push(pushPayload({ pidfile }), 'kill-1');
  const id = res.json.id as string;
  let pid = 0;
  for (let i = 0; i < 100 && !pid; i++) {
    pid = Number(await readFile(pidfile, 'utf8').catch(() => '0'));
    await sleep(100);
  }
  t.ok(pid > 0 && pidAlive(pid), 'the job is running');
  await s.kill();
  const before = JSON.parse(await readFile(join(dirs.runsDir, id, 'run.json'), 'utf8')) as PipelineRun;
  t.equal(before.status, 'running', 'the killed server left the run running');
  for (let i = 0; i < 100 && pidAlive(pid); i++) await sleep(100);
  t.notOk(pidAlive(pid), "the job's processes went with the server");

  const s2 = await startServer(t, fixture('hang.ts'), [], dirs);
  const after = JSON.parse(await readFile(join(dirs.runsDir, id, 'run.json'), 'utf8')) as PipelineRun;
  t.match(after, { status: 'failed', error: /^the pipeline server stopped before the run finished/, jobs: [{ name: 'hang', status: 'failed' }] });
  t.match(s2.stderr(), /"event":"run.interrupted"/);
});

t.test('pushes to one branch run in the order they arrived; another branch runs beside them', async (t) => {
  const s = await startServer(t, fixture('slow.ts'), ['--concurrency', '4']);
  const a = await s.push(pushPayload({ sleep: '2', after: 'a'.repeat(40) }), 'lane-a');
  const b = await s.push(pushPayload({ sleep: '0', after: 'b'.repeat(40) }), 'lane-b');
  const other = await s.push(pushPayload({ sleep: '0', ref: 'refs/heads/feature', after: 'c'.repeat(40) }), 'lane-c');
  const [ra, rb, rc] = await Promise.all([a, b, other].map((r) => s.waitForRun(r.json.id as string)));
  t.ok([ra, rb, rc].every((r) => r!.status === 'succeeded'));
  t.ok(Date.parse(rb!.jobs[0]!.startedAt as string) >= Date.parse(ra!.finishedAt!), 'the later push to main started after the earlier one finished');
  t.ok(Date.parse(rc!.finishedAt!) < Date.parse(ra!.finishedAt!), 'the push to feature did not wait for main');
});
