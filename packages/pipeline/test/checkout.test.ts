import t from 'tap';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture } from './helpers.js';
import { testRepo } from './git-helpers.js';
import { startServer } from './serve-helpers.js';

t.test('each run fetches exactly the pushed commit (git push to a git http-backend, webhook from the real refs)', async (t) => {
  const repo = await testRepo(t);
  const s = await startServer(t, fixture('checkout.ts'));
  const first = await repo.push({ 'app.txt': 'Hello one\n' });
  const second = await repo.push({ 'app.txt': 'Hello two\n' });
  t.equal(second.before, first.after, 'the second push follows the first');

  // delivered out of order: each run still gets its own commit, not the branch's tip
  const r2 = await s.push(second.body, 'co-2');
  const r1 = await s.push(first.body, 'co-1');
  const run2 = await s.waitForRun(r2.json.id as string);
  const run1 = await s.waitForRun(r1.json.id as string);
  for (const [run, push, text] of [[run1, first, 'Hello one'], [run2, second, 'Hello two']] as const) {
    t.equal(run.status, 'succeeded', run.error);
    t.match(run.event, { repo: 'acme/helloworld', ref: 'refs/heads/main', commit: push.after, actor: 'ada' });
    t.match(run.jobs[0], { name: 'checkout', executor: 'git', status: 'succeeded', exitCode: 0, commit: push.after, durationMs: Number });
    t.equal(run.jobs[1]?.stdout, `${text}\n${push.after}\n1`, 'the file, the commit, a history of depth 1');
  }
  const log = await readFile(join(s.runsDir, run1.id, 'logs', 'checkout.log'), 'utf8');
  t.match(log, `$ git fetch --depth 1 --no-tags --quiet ${repo.cloneURL} ${first.after}`);
});

t.test('a commit the repository does not have fails the run with git\'s message; no script job runs', async (t) => {
  const repo = await testRepo(t);
  const s = await startServer(t, fixture('checkout.ts'));
  const real = await repo.push({ 'app.txt': 'Hello' });
  const missing = 'f'.repeat(40);
  const body = real.body.replaceAll(real.after, missing);
  const res = await s.push(body, 'co-missing');
  t.equal(res.status, 202);
  const run = await s.waitForRun(res.json.id as string);
  t.equal(run.status, 'failed');
  t.equal(run.error, `checkout: git fetch ${repo.cloneURL} ${missing}: fatal: remote error: upload-pack: not our ref ${missing}`);
  t.same(run.jobs.map((j) => [j.name, j.status]), [['checkout', 'failed']], 'the script never ran');

  const gone = await startServer(t, fixture('checkout.ts'));
  const unreachable = real.body.replaceAll(repo.cloneURL, 'http://127.0.0.1:9/nothing.git');
  const run2 = await gone.waitForRun((await gone.push(unreachable, 'co-unreachable')).json.id as string);
  t.match(run2, { status: 'failed', error: /^checkout: git fetch http:\/\/127\.0\.0\.1:9\/nothing\.git [0-9a-f]{40}: fatal: unable to access/ });
});
