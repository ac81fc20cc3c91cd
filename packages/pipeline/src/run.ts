import type { ChildProcess } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { cacheDir, type PipelineRun } from '@iwp/core';
import { buildEvent, type EventInput } from './event.js';
import type { Event } from './brigadier/types.js';
import { Masker } from './mask.js';
import { initialRecord } from './run-record.js';
import { onWorkerMessage, RunJobs } from './run-jobs.js';
import { newRunId } from './run-id.js';
import { checkoutStep } from './run-checkout.js';
import { superviseWorker, type WorkerResult } from './supervise.js';
import type { RunStore } from './stores/types.js';
import type { ExecutorOptions, StartMessage } from './worker/protocol.js';
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

/** A run under way: what its steps share. */
interface Running {
  opts: RunOptions;
  id: string;
  script: string;
  masker: Masker;
  event: Event;
  emit: RunEventSink;
  runDir: string;
  workspaceDir: string;
  run: PipelineRun & Record<string, unknown>;
  jobs: RunJobs;
}

/**
 * Runs a pipeline script for one event in a worker process and returns its `PipelineRun`.
 * A failing script or job makes a failed run, not an exception; exceptions are for the
 * runner itself failing (store not writable, worker not built).
 */
export async function runPipeline(opts: RunOptions): Promise<PipelineRun> {
  assertWorkerBuilt();
  const r = await beginRun(opts);
  const started = Date.now();
  let sourceDir = opts.sourceDir ? resolve(opts.sourceDir) : undefined;
  let result: WorkerResult | undefined;
  if (!sourceDir && opts.checkout !== false) {
    const step = await checkout(r);
    if (step?.error) result = { ok: false, error: step.error };
    else if (step) sourceDir = step.dir;
  }
  result ??= await runScript(r, sourceDir);
  return finishRun(r, result, started);
}

/** The run's directory, its event.json (secrets by name only) and its first record (running). */
async function beginRun(opts: RunOptions): Promise<Running> {
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
  return { opts, id, script, masker, event, emit, runDir, workspaceDir, run, jobs: new RunJobs(run, opts.store, emit) };
}

/** The event's commit fetched as the run's first job, when the event names a clone URL and a commit. */
async function checkout(r: Running): Promise<{ dir?: string; error?: string } | undefined> {
  const git = r.event.worker.git;
  if (!git?.cloneURL || !git.commit) return undefined;
  const logLocation = r.opts.store.logLocation(r.id);
  return checkoutStep({ ...git, commit: git.commit }, { runDir: r.runDir, workspaceDir: r.workspaceDir, ...(logLocation ? { logLocation } : {}) }, r.masker,
    (job) => r.jobs.update(job),
    (line) => r.emit('job.log', { job: 'checkout', stream: 'stdout', line }, `[checkout] ${line}`),
    r.opts.signal);
}

/** The script in a worker process, its messages turned into run events and job records. */
function runScript(r: Running, sourceDir: string | undefined): Promise<WorkerResult> {
  const { opts, id, event } = r;
  const start: StartMessage = {
    t: 'start',
    runId: id,
    script: r.script,
    event,
    runDir: r.runDir,
    workspaceDir: r.workspaceDir,
    ...(sourceDir ? { sourceDir } : {}),
    mask: opts.mask ?? [],
    executors: { ...opts.executors, runc: { imageCache: cacheDir('pipeline', 'images'), ...opts.executors.runc } },
    ...(opts.store.logLocation(id) ? { logLocation: opts.store.logLocation(id)! } : {}),
  };
  return superviseWorker((opts.worker ?? forkWorker)(), start, {
    masker: r.masker,
    scriptLog: join(r.runDir, 'script.log'),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    onScriptLine: (stream, line) => r.emit('script.log', { stream, line }, `| ${line}`),
    onMessage: onWorkerMessage(r.run, r.jobs, r.emit, { script: r.script, source: event.source, type: event.type }, opts.receivedAt),
  });
}

/** The final record (masked), the workspace and scratch removed, the run stored as finished. */
async function finishRun(r: Running, result: WorkerResult, started: number): Promise<PipelineRun> {
  const { opts, id, run, masker } = r;
  run.jobs = await r.jobs.final();
  const finishedAt = new Date();
  run.status = result.ok ? 'succeeded' : 'failed';
  run.finishedAt = finishedAt.toISOString();
  run.durationMs = finishedAt.getTime() - started;
  run.logFile = opts.store.logLocation(id) ? `${opts.store.location}/${id}/script.log` : join(r.runDir, 'script.log');
  if (result.error) run.error = masker.mask(result.error);
  if (result.summary) run.summary = masker.mask(result.summary);
  if (result.ignored) {
    run.ignored = true;
    run.summary = masker.mask(`ignored: ${result.ignored}`);
  }
  if (!opts.keepWorkspace) await rm(r.workspaceDir, { recursive: true, force: true });
  await rm(join(r.runDir, 'scratch'), { recursive: true, force: true });
  await opts.store.finish(run);
  r.emit('run.finished', { status: run.status, durationMs: run.durationMs, ...(run.error ? { error: run.error } : {}) },
    `run ${id} ${run.status} in ${run.durationMs} ms${run.error ? `: ${run.error}` : ''}`);
  return run;
}

export { initialRecord, recordRejectedRun } from './run-record.js';
