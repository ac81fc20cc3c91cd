import type { ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cacheDir, type PipelineRun } from '@iwp/core';
import { buildEvent, type EventInput } from './event.js';
import { Masker } from './mask.js';
import { initialRecord, jobEvent } from './run-record.js';
import { newRunId } from './run-id.js';
import { checkoutStep } from './run-checkout.js';
import { superviseWorker, type WorkerResult } from './supervise.js';
import type { RunStore } from './stores/types.js';
import type { ExecutorOptions, PipelineJob, StartMessage } from './worker/protocol.js';
import { assertWorkerBuilt, forkWorker } from './worker-pool.js';

export type RunEventSink = (event: string, fields: Record<string, unknown>, text: string) => void;

export interface RunOptions {
  /** the pipeline script (.ts, .js, .mjs, .cjs) */
  script: string;
  event: EventInput;
  store: RunStore;
  executors: ExecutorOptions;
  /** `event.project.secrets`; their values are masked everywhere */
  secrets?: Record<string, string>;
  /** more values to mask */
  mask?: string[];
  /** the event's checkout; when absent and the event names a clone URL and a commit, that commit is fetched */
  sourceDir?: string;
  /** false: never fetch the event's commit (default true) */
  checkout?: boolean;
  runId?: string;
  /** stops the run (its jobs are killed) after this long */
  timeoutMs?: number;
  keepWorkspace?: boolean;
  /** when the trigger arrived (a webhook): `run.started` then reports the latency */
  receivedAt?: Date;
  /** NDJSON run events: run.started, job.started, job.log, job.finished, script.log, run.finished */
  onEvent?: RunEventSink;
  signal?: AbortSignal;
  /** a worker process to use (a pre-started one from a WorkerPool); default: a new one */
  worker?: () => ChildProcess;
}

/**
 * Runs a pipeline script for one event in a worker process and returns its `PipelineRun`.
 * A failing script or job makes a failed run, not an exception; exceptions are for the
 * runner itself failing (store not writable, worker not built).
 */
export async function runPipeline(opts: RunOptions): Promise<PipelineRun> {
  assertWorkerBuilt();
  const script = resolve(opts.script);
  const id = opts.runId ?? newRunId();
  const secrets = opts.secrets ?? {};
  const masker = new Masker([...Object.values(secrets), ...(opts.mask ?? [])]);
  const event = buildEvent(opts.event, { secrets });
  const emit: RunEventSink = (name, fields, text) => opts.onEvent?.(name, { run: id, ...fields }, masker.mask(text));
  const runDir = await opts.store.prepare(id);
  const workspaceDir = join(runDir, 'workspace');
  const run = initialRecord(id, script, opts.event, event.id, 'running') as PipelineRun & Record<string, unknown>;
  run.executor = opts.executors.default;
  await writeFile(join(runDir, 'event.json'), `${JSON.stringify({ ...event, project: { id: event.project.id, secrets: Object.keys(secrets) } }, null, 2)}\n`);
  await opts.store.save(run);
  await mkdir(workspaceDir, { recursive: true });

  const jobs = new Map<string, PipelineJob>();
  let saving = Promise.resolve();
  const save = () => {
    run.jobs = [...jobs.values()];
    saving = saving.then(() => opts.store.save(run)).catch(() => undefined);
  };

  const scriptLog = join(runDir, 'script.log');
  const started = Date.now();
  let sourceDir = opts.sourceDir ? resolve(opts.sourceDir) : undefined;
  const git = event.worker.git;
  let result: WorkerResult | undefined;
  if (!sourceDir && opts.checkout !== false && git?.cloneURL && git.commit) {
    const logLocation = opts.store.logLocation(id);
    const step = await checkoutStep({ ...git, commit: git.commit }, { runDir, workspaceDir, ...(logLocation ? { logLocation } : {}) }, masker,
      (job) => {
        const ev = jobEvent(jobs.get(job.name), job);
        jobs.set(job.name, job);
        if (ev) emit(...ev);
        save();
      },
      (line) => emit('job.log', { job: 'checkout', stream: 'stdout', line }, `[checkout] ${line}`),
      opts.signal);
    if (step.error) result = { ok: false, error: step.error };
    else sourceDir = step.dir;
  }
  const start: StartMessage = {
    t: 'start',
    runId: id,
    script,
    event,
    runDir,
    workspaceDir,
    ...(sourceDir ? { sourceDir } : {}),
    mask: opts.mask ?? [],
    executors: { ...opts.executors, runc: { imageCache: cacheDir('pipeline', 'images'), ...opts.executors.runc } },
    ...(opts.store.logLocation(id) ? { logLocation: opts.store.logLocation(id)! } : {}),
  };
  result ??= await superviseWorker((opts.worker ?? forkWorker)(), start, {
    masker,
    scriptLog,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onScriptLine: (stream, line) => emit('script.log', { stream, line }, `| ${line}`),
    onMessage: (m) => {
      if (m.t === 'started') {
        const fields: Record<string, unknown> = { script, source: event.source, type: event.type };
        if (opts.receivedAt) fields.latencyMs = Date.parse(m.at) - opts.receivedAt.getTime();
        run.scriptStartedAt = m.at;
        emit('run.started', fields, `run ${id}: ${event.source}:${event.type}`);
      } else if (m.t === 'job') {
        const ev = jobEvent(jobs.get(m.job.name), m.job);
        jobs.set(m.job.name, m.job);
        if (ev) emit(...ev);
        save();
      } else if (m.t === 'log') {
        emit('job.log', { job: m.job, stream: m.stream, line: m.line }, `[${m.job}] ${m.line}`);
      } else if (m.t === 'note') {
        emit('job.note', { job: m.job, message: m.message, ...m.fields }, `[${m.job}] ${m.message}`);
      }
    },
  });

  await saving;
  const finishedAt = new Date();
  run.jobs = [...jobs.values()].map((j) => (j.status === 'running' ? { ...j, status: 'failed' as const } : j));
  run.status = result.ok ? 'succeeded' : 'failed';
  run.finishedAt = finishedAt.toISOString();
  run.durationMs = finishedAt.getTime() - started;
  run.logFile = opts.store.logLocation(id) ? `${opts.store.location}/${id}/script.log` : scriptLog;
  if (result.error) run.error = masker.mask(result.error);
  if (result.summary) run.summary = masker.mask(result.summary);
  if (result.ignored) {
    run.ignored = true;
    run.summary = masker.mask(`ignored: ${result.ignored}`);
  }
  if (!opts.keepWorkspace) await rm(workspaceDir, { recursive: true, force: true });
  await rm(join(runDir, 'scratch'), { recursive: true, force: true });
  await opts.store.finish(run);
  emit('run.finished', { status: run.status, durationMs: run.durationMs, ...(run.error ? { error: run.error } : {}) },
    `run ${id} ${run.status} in ${run.durationMs} ms${run.error ? `: ${run.error}` : ''}`);
  return run;
}

export { initialRecord, recordRejectedRun } from './run-record.js';
