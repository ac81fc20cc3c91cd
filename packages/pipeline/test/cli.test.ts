import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, fixture, pushPayload, tempDir } from './helpers.js';

t.test('pipeline run: PipelineRun on stdout, NDJSON run events on stderr, exit 1 for a failed run', async (t) => {
  const dir = await tempDir(t);
  const payload = join(dir, 'push.json');
  await writeFile(payload, pushPayload());
  const r = await cli(['run', fixture('sequence.ts'), '--event', 'push', '--payload', payload, '--runs-dir', join(dir, 'runs'), '--log-format', 'json']);
  t.equal(r.exitCode, 1);
  const run = JSON.parse(String(r.stdout));
  t.match(run, { apiVersion: 'iwp/v1', kind: 'PipelineRun', status: 'failed', error: 'job test failed: exit code 3' });
  t.same(run.jobs.map((j: { name: string; exitCode: number | null }) => [j.name, j.exitCode]), [['build', 0], ['test', 3], ['deploy', null]]);
  const events = String(r.stderr).trim().split('\n').map((l) => JSON.parse(l) as { event?: string; run?: string });
  t.ok(events.every((e) => e.run === run.id), 'every event names the run');
  t.same(events.map((e) => e.event).filter((e) => e !== 'job.log' && e !== 'script.log'), [
    'run.started', 'job.started', 'job.finished', 'job.started', 'job.finished', 'job.finished', 'run.finished',
  ]);

  const ok = await cli(['run', fixture('payload.ts'), '--event', 'push', '--payload', '-', '--runs-dir', join(dir, 'runs'), '--quiet'], { input: pushPayload(), stdin: 'pipe' });
  t.equal(ok.exitCode, 0);
  t.equal(ok.stderr, '');
  const okRun = JSON.parse(String(ok.stdout));
  t.equal(okRun.status, 'succeeded');

  const list = await cli(['runs', 'list', '--runs-dir', join(dir, 'runs'), '--json']);
  t.equal(list.exitCode, 0);
  const items = JSON.parse(String(list.stdout));
  t.equal(items.kind, 'PipelineRunList');
  t.same(items.items.map((i: { id: string }) => i.id), [okRun.id, run.id], 'newest first');
  const failed = JSON.parse(String((await cli(['runs', 'list', '--runs-dir', join(dir, 'runs'), '--status', 'failed'])).stdout));
  t.same(failed.items.map((i: { id: string }) => i.id), [run.id]);

  const show = await cli(['runs', 'show', run.id.slice(0, 18), '--runs-dir', join(dir, 'runs')]);
  t.equal(show.exitCode, 0);
  t.same(JSON.parse(String(show.stdout)), run, 'a unique prefix finds the run');

  const logs = await cli(['runs', 'logs', run.id, '--runs-dir', join(dir, 'runs'), '--job', 'build']);
  t.equal(logs.exitCode, 0);
  t.match(String(logs.stdout), /^(build done\nto-stderr|to-stderr\nbuild done)$/);
  const all = await cli(['runs', 'logs', run.id, '--runs-dir', join(dir, 'runs')]);
  t.match(String(all.stdout), /^==> \(script\) <==\n==> build <==\n[\s\S]*==> test <==\nbuilt$/);
  const json = JSON.parse(String((await cli(['runs', 'logs', run.id, '--runs-dir', join(dir, 'runs'), '--json'])).stdout));
  t.match(json, { kind: 'PipelineRunLogs', logs: [{ job: '(script)' }, { job: 'build' }, { job: 'test', text: 'built\n' }] });
});

t.test('pipeline run: bad input exits 2 with one line naming the field; nothing is recorded', async (t) => {
  const dir = await tempDir(t);
  const runs = join(dir, 'runs');
  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{"ref": ');
  const cases: Array<[string[], RegExp, string?]> = [
    [['run', fixture('sequence.ts'), '--event', 'push', '--payload', bad], /^pipeline: error: --payload: malformed JSON: /],
    [['run', fixture('sequence.ts'), '--event', 'push', '--payload', '-'], /^pipeline: error: --payload: malformed JSON: /, '[1,'],
    [['run', fixture('sequence.ts'), '--event', 'push', '--payload', join(dir, 'nope.json')], /^pipeline: error: --payload: cannot read .*: no such file$/],
    [['run', join(dir, 'missing.ts'), '--event', 'push'], /^pipeline: error: SCRIPT: no such file: /],
    [['run', fixture('sequence.ts'), '--event', 'push', '--executor', 'docker'], /^pipeline: error: Expected --executor=docker to be one of: process, runc, pod$/],
    [['run', fixture('sequence.ts'), '--event', 'push', '--secret-env', 'IWP_TEST_UNSET_VAR'], /^pipeline: error: --secret-env: expected an environment variable named IWP_TEST_UNSET_VAR, got "unset"$/],
    [['run', fixture('sequence.ts'), '--event', 'push', '--timeout', 'soon'], /^pipeline: error: --timeout: expected a duration/],
    [['run', fixture('sequence.ts'), '--event', 'bad event'], /^pipeline: error: --event: expected an event type/],
    [['runs', 'show', 'zzz'], /^pipeline: error: RUN: expected a run id/],
  ];
  for (const [args, re, input] of cases) {
    const r = await cli([...args, '--runs-dir', runs], input === undefined ? {} : { input, stdin: 'pipe' });
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(String(r.stderr), re, args.join(' '));
    t.equal(String(r.stderr).trim().split('\n').length, 1, 'one line');
  }
  const nf = await cli(['runs', 'show', '20990101', '--runs-dir', runs]);
  t.equal(nf.exitCode, 4);
  t.match(String(nf.stderr), /^pipeline: error: run 20990101 in .* not found$/);
  const list = JSON.parse(String((await cli(['runs', 'list', '--runs-dir', runs])).stdout));
  t.same(list.items, [], 'no run was recorded');
});

t.test('secrets from a file and the environment reach the script and are masked', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'secrets.env');
  await writeFile(file, '# deploy\nDEPLOY_TOKEN=from-file-9b8a7c\n');
  const r = await cli(['run', fixture('secrets.ts'), '--event', 'push', '--runs-dir', join(dir, 'runs'), '--secrets', file]);
  t.equal(r.exitCode, 1);
  t.notMatch(String(r.stdout) + String(r.stderr), 'from-file-9b8a7c');
  t.match(String(r.stderr), /\[use-secret\] using \*\*\*/);
  const env = await cli(['run', fixture('secrets.ts'), '--event', 'push', '--runs-dir', join(dir, 'runs'), '--secret-env', 'DEPLOY_TOKEN', '--json'], { env: { DEPLOY_TOKEN: 'from-env-1d2c3b' } });
  t.equal(JSON.parse(String(env.stdout)).jobs[0].stdout, 'using ***');
  t.notMatch(String(env.stderr), 'from-env-1d2c3b');
});
