import t from 'tap';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runPipeline } from '../src/run.js';
import { FileRunStore } from '../src/stores/file.js';
import { githubEvent } from '../src/event.js';
import { fixture, pushPayload, tempDir } from './helpers.js';

const push = () => githubEvent('push', pushPayload(), 'd-1');
const run = async (t: Tap.Test, script: string, extra: Partial<Parameters<typeof runPipeline>[0]> = {}) => {
  const dir = await tempDir(t);
  const store = new FileRunStore(dir);
  const events: Array<[string, Record<string, unknown>]> = [];
  const r = await runPipeline({ script, event: push(), store, executors: { default: 'process' }, onEvent: (e, f) => events.push([e, f]), ...extra });
  return { r, store, dir, events };
};
type Job = { name: string; status: string; exitCode: number | null; stdout?: string; durationMs?: number; error?: string; logFile?: string };
const job = (r: { jobs: unknown[] }, name: string) => r.jobs.find((j) => (j as Job).name === name) as Job;

t.test('Job.sequence stops at the first failing job; exit code, stdout and duration are recorded', async (t) => {
  const { r, store } = await run(t, fixture('sequence.ts'));
  t.equal(r.status, 'failed');
  t.equal(r.error, 'job test failed: exit code 3');
  t.same(r.jobs.map((j) => [j.name, j.status, j.exitCode]), [['build', 'succeeded', 0], ['test', 'failed', 3], ['deploy', 'skipped', null]]);
  t.equal(job(r, 'build').stdout, 'build done', 'stdout only, without stderr');
  t.equal(job(r, 'test').stdout, 'built', 'the second job read the file the first wrote in the workspace');
  t.type(job(r, 'build').durationMs, 'number');
  t.ok(job(r, 'build').durationMs! >= 0);
  t.match(await readFile(job(r, 'build').logFile!, 'utf8'), /build done\nto-stderr\n|to-stderr\nbuild done\n/);
  t.same(await store.get(r.id), r, 'the record on disk is the one returned');
});

t.test('Job.concurrent runs jobs in parallel and reports every result', async (t) => {
  const { r } = await run(t, fixture('concurrent.ts'));
  t.equal(r.status, 'failed');
  t.same(r.jobs.map((j) => [j.name, j.status, j.exitCode]).sort(), [['fails', 'failed', 7], ['left', 'succeeded', 0], ['right', 'succeeded', 0]]);
  const times = (name: string) => Object.fromEntries(job(r, name).stdout!.split('\n').map((l) => l.split('=')).map(([k, v]) => [k, BigInt(v!)]));
  const left = times('left');
  const right = times('right');
  // both ran between each other's start and end: they overlapped
  t.ok(left.start! < right.end! && right.start! < left.end!, 'the two sleeping jobs overlapped in time');
  t.match(r.error, /^job fails failed: exit code 7$/);
});

/** brigade.js copied where Brigade users keep it: a directory without "type": "module" */
const brigadeJs = async (t: Tap.Test) => {
  const dir = await tempDir(t);
  await copyFile(fixture('brigade.js'), join(dir, 'brigade.js'));
  return join(dir, 'brigade.js');
};

t.test('a script written for Brigade (CommonJS require) runs unchanged', async (t) => {
  const { r } = await run(t, await brigadeJs(t), { event: { source: 'brigade.sh/cli', type: 'exec' } });
  t.equal(r.status, 'succeeded');
  t.same(r.jobs.map((j) => [j.name, j.status, j.stdout]), [['my-first-job', 'succeeded', 'My first job!']]);
});

t.test('the real @brigadecore/brigadier installed beside a script is replaced by the pipeline runtime', async (t) => {
  const dir = await tempDir(t);
  const pkg = join(dir, 'node_modules', '@brigadecore', 'brigadier');
  await mkdir(pkg, { recursive: true });
  // a stand-in for the npm package, whose job.run() only prints
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name: '@brigadecore/brigadier', main: 'index.js' }));
  await writeFile(join(pkg, 'index.js'), 'exports.events = { on() { return this }, process() { console.log("npm brigadier") } }; exports.Job = class {};');
  for (const [file, text] of [
    ['esm.mjs', 'import { events, Job } from "@brigadecore/brigadier";\n'],
    ['cjs.cjs', 'const { events, Job } = require("@brigadecore/brigadier");\n'],
  ] as const) {
    await writeFile(join(dir, file), `${text}events.on("github", "push", async (e) => { const j = new Job("j", "x", e); j.primaryContainer.command = ["echo", "ours"]; await j.run(); });\nevents.process();\n`);
    const { r } = await run(t, join(dir, file));
    t.equal(r.status, 'succeeded', file);
    t.equal(r.jobs[0]?.stdout, 'ours', `${file}: job ran through iwp`);
  }
});

t.test('the payload, qualifiers and git details reach the script; a returned string is the summary', async (t) => {
  const { r } = await run(t, fixture('payload.ts'));
  t.equal(r.status, 'succeeded');
  t.equal(r.jobs[0]?.stdout, 'ref=refs/heads/main repo=acme/web commit=0123456789abcdef0123456789abcdef01234567');
  t.equal((r as { summary?: string }).summary, 'pushed 0123456789abcdef0123456789abcdef01234567');
  t.match(r.event, { source: 'brigade.sh/github', type: 'push', deliveryId: 'd-1' });
});

t.test('secrets are masked in job logs, stdout, the script log and errors', async (t) => {
  const secret = 'tok-3f9a8b7c6d5e';
  const { r, store, events } = await run(t, fixture('secrets.ts'), { secrets: { DEPLOY_TOKEN: secret } });
  t.equal(r.status, 'failed');
  t.equal(r.jobs[0]?.stdout, 'using ***');
  const logs = await store.logs(r.id);
  const all = logs.map((l) => l.text).join('\n');
  t.match(all, /token is \*\*\*/);
  t.match(all, /also \*\*\*/);
  t.notMatch(all, secret);
  t.notMatch(JSON.stringify(r), secret);
  t.notMatch(JSON.stringify(events), secret);
  t.notMatch(await readFile(join(store.dir, r.id, 'event.json'), 'utf8'), secret, 'event.json lists secret names only');
});

t.test('bad input ends in a failed run with a clear error', async (t) => {
  const thrown = await run(t, fixture('throws.ts'));
  t.equal(thrown.r.status, 'failed');
  t.equal(thrown.r.error, 'deploy target not configured');

  const load = await run(t, fixture('load-error.ts'));
  t.equal(load.r.status, 'failed');
  t.match(load.r.error, /^script .*load-error\.ts: cannot load: missing settings$/);

  const unknown = await run(t, fixture('sequence.ts'), { event: { source: 'gitlab', type: 'push' } });
  // an event the script does not handle is recorded and ignored: nothing ran, nothing failed
  t.equal(unknown.r.status, 'succeeded');
  t.match(unknown.r, { ignored: true, summary: 'ignored: no handler for event gitlab:push (the script handles brigade.sh/github:push)' });
  t.notOk(unknown.r.error);
  t.same(unknown.r.jobs, []);

  const dir = await tempDir(t);
  await writeFile(join(dir, 'syntax.ts'), 'import { events } from "@brigadecore/brigadier";\nevents.on("github", "push", async () => { let x = ; });\n');
  const syntax = await run(t, join(dir, 'syntax.ts'));
  t.equal(syntax.r.status, 'failed');
  t.match(syntax.r.error, /^script .*syntax\.ts: .*(Unexpected|Expected)/);
});

t.test('a job past its timeoutSeconds is stopped and fails', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'timeout.ts'), [
    'import { events, Job } from "@brigadecore/brigadier";',
    'events.on("github", "push", async (e) => { const j = new Job("slow", "x", e); j.timeoutSeconds = 1; j.primaryContainer.command = ["sleep", "30"]; await j.run(); });',
    'events.process();',
  ].join('\n'));
  const { r } = await run(t, join(dir, 'timeout.ts'));
  t.equal(r.status, 'failed');
  t.match(r.jobs[0], { name: 'slow', status: 'failed', error: 'timed out after 1s' });
  t.ok(r.jobs[0]!.durationMs! < 25_000, 'the sleep was killed');
});

t.test('run events: started, job.started/log/finished, finished, in order', async (t) => {
  const { events } = await run(t, await brigadeJs(t), { event: { source: 'cli', type: 'exec' } });
  const names = events.map(([e]) => e).filter((e) => e !== 'script.log');
  t.same(names, ['run.started', 'job.started', 'job.log', 'job.finished', 'run.finished']);
  t.match(events.find(([e]) => e === 'job.log')![1], { job: 'my-first-job', line: 'My first job!' });
});
