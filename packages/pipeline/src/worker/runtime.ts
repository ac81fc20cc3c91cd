import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventLike, JobLike, PipelineRuntime, RegistryLike } from '../brigadier/runtime-slot.js';
import { createExecutor, isExecutorName, type Executor, type JobOutcome } from '../executors/index.js';
import type { Masker } from '../mask.js';
import { JobLog } from './job-log.js';
import { finishedJob, jobSpec, pendingJob, runningJob, safeName } from './job-record.js';
import { runWithTimeout } from './job-run.js';
import type { ExecutorOptions, PipelineJob, WorkerMessage } from './protocol.js';

export interface RuntimeOptions {
  runId: string;
  event: EventLike;
  runDir: string;
  workspaceDir: string;
  sourceDir?: string;
  masker: Masker;
  executors: ExecutorOptions;
  /** prefix for log locations in the record; default the absolute logs directory */
  logLocation?: string;
  send(msg: WorkerMessage): void;
}

export interface RunResult {
  ok: boolean;
  error?: string;
  summary?: string;
  /** the script has no handler for the event: nothing ran, and that is no failure */
  ignored?: string;
}

/**
 * The worker's side of a run: dispatches the event to the script's handler, runs jobs
 * through executors, writes their logs (masked) and reports every change to the parent.
 */
export class WorkerRuntime implements PipelineRuntime {
  readonly event: EventLike;
  private readonly registries: RegistryLike[] = [];
  private readonly declared = new Set<JobLike>();
  private readonly started = new Set<JobLike>();
  private readonly names = new Map<string, PipelineJob>();
  private readonly fileNames = new Map<string, string>();
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly executors = new Map<string, Promise<Executor>>();
  private readonly stop = new AbortController();
  private handler: Promise<unknown> | undefined;
  private handlerError: string | undefined;
  private ignored: string | undefined;
  private summary: string | undefined;
  private readonly errors: string[] = [];

  constructor(private readonly opts: RuntimeOptions) {
    this.event = opts.event;
  }

  addRegistry(registry: RegistryLike): void {
    this.registries.push(registry);
  }

  get dispatched(): boolean {
    return this.handler !== undefined;
  }

  /** Runs the handler once; never rejects (the outcome is in the run result). */
  dispatch(registry?: RegistryLike): Promise<void> {
    if (!this.handler) {
      const { source, type } = this.event;
      const regs = registry ? [registry, ...this.registries] : this.registries;
      const fn = regs.map((r) => r.lookup(source, type)).find((h) => h !== undefined);
      if (!fn) {
        const known = [...new Set(regs.flatMap((r) => r.registered()))];
        this.ignored = `no handler for event ${source}:${type} (the script handles ${known.length ? known.join(', ') : 'no events'})`;
        this.handler = Promise.resolve();
      } else {
        this.handler = (async () => fn(this.event))().then(
          (v) => { if (typeof v === 'string') this.summary = v; },
          (err: unknown) => { this.handlerError = this.opts.masker.mask(describe(err)); },
        );
      }
    }
    return this.handler.then(() => undefined);
  }

  /** An error outside the handler (an unhandled rejection, the script failing to load). */
  fail(message: string): void {
    this.errors.push(this.opts.masker.mask(message));
  }

  declareJob(job: JobLike): void {
    this.declared.add(job);
  }

  runJob(job: JobLike): Promise<void> {
    const p = this.execute(job);
    this.inflight.add(p);
    void p.catch(() => undefined).finally(() => this.inflight.delete(p));
    return p;
  }

  async jobLogs(name: string): Promise<string> {
    const rec = this.names.get(name);
    if (!rec) throw new Error(`job ${name}: no such job in this run`);
    return readFile(join(this.opts.runDir, 'logs', `${this.fileNameOf(rec)}.log`), 'utf8').catch(() => '');
  }

  /** Stops running jobs (run timeout, SIGTERM). */
  abort(reason: string): void {
    this.stop.abort(reason);
  }

  /** Waits for the handler and every job it started, then closes executors. */
  async finish(): Promise<RunResult> {
    if (!this.handler && this.errors.length === 0) await this.dispatch();
    await this.handler;
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
    for (const job of this.declared) {
      if (!this.started.has(job) && !this.names.has(job.name)) {
        const rec = pendingJob(job, job.executor ?? this.opts.executors.default);
        this.names.set(job.name, rec);
        this.opts.send({ t: 'job', job: rec });
      }
    }
    await Promise.allSettled([...this.executors.values()].map(async (e) => (await e).close?.()));
    const error = [...this.errors, ...(this.handlerError ? [this.handlerError] : [])][0];
    return {
      ok: error === undefined,
      ...(error ? { error } : {}),
      ...(this.summary ? { summary: this.summary } : {}),
      ...(this.ignored && !error ? { ignored: this.ignored } : {}),
    };
  }

  private fileNameOf(rec: PipelineJob): string {
    return this.fileNames.get(rec.name) ?? safeName(rec.name);
  }

  private executor(name: string): Promise<Executor> {
    let e = this.executors.get(name);
    if (!e) {
      if (!isExecutorName(name)) return Promise.reject(new Error(`unknown executor "${name}" (expected process, runc or pod)`));
      e = createExecutor(name, this.opts.executors);
      this.executors.set(name, e);
    }
    return e;
  }

  /** Records the job, runs it through its executor into its log, records how it ended. */
  private async execute(job: JobLike): Promise<void> {
    const { rec, fileName, logPath } = this.record(job);
    const log = new JobLog(logPath, this.opts.masker, (stream, line) => this.opts.send({ t: 'log', job: job.name, stream, line }));
    await log.open();
    const outcome = await this.outcome(job, fileName, log);
    const ok = finishedJob(rec, outcome, await log.close(), this.opts.masker);
    this.opts.send({ t: 'job', job: { ...rec } });
    if (!ok && !job.fallible) {
      throw new Error(`job ${job.name} failed: ${outcome.error ?? `exit code ${outcome.exitCode}`}`);
    }
  }

  /** A job's record (running) under a file name no other job of the run has, sent to the parent. */
  private record(job: JobLike): { rec: PipelineJob & Record<string, unknown>; fileName: string; logPath: string } {
    if (typeof job.name !== 'string' || job.name === '') throw new Error('Job: name must be a non-empty string');
    if (this.names.has(job.name) || this.started.has(job)) throw new Error(`job ${job.name}: a job of this name already ran in this run`);
    this.started.add(job);
    let fileName = safeName(job.name);
    const taken = new Set(this.fileNames.values());
    for (let i = 2; taken.has(fileName); i++) fileName = `${safeName(job.name)}-${i}`;
    this.fileNames.set(job.name, fileName);
    const logPath = join(this.opts.runDir, 'logs', `${fileName}.log`);
    const rec = runningJob(job, job.executor ?? this.opts.executors.default, this.opts.logLocation ? `${this.opts.logLocation}/${fileName}.log` : logPath);
    this.names.set(job.name, rec);
    this.opts.send({ t: 'job', job: { ...rec } });
    return { rec, fileName, logPath };
  }

  /** How the job ended; a bad spec or an executor that cannot start is a failed outcome, never a throw. */
  private async outcome(job: JobLike, fileName: string, log: JobLog): Promise<JobOutcome> {
    const { masker, send } = this.opts;
    try {
      const spec = jobSpec(this.opts.runId, job);
      const executor = await this.executor(job.executor ?? this.opts.executors.default);
      return await runWithTimeout(executor, spec, {
        workspaceDir: this.opts.workspaceDir,
        ...(this.opts.sourceDir ? { sourceDir: this.opts.sourceDir } : {}),
        scratchDir: join(this.opts.runDir, 'scratch', fileName),
        onOutput: (stream, chunk) => log.write(stream, chunk),
        onNote: (message, fields) => send({ t: 'note', job: job.name, message: masker.mask(message), ...(fields ? { fields } : {}) }),
      }, this.stop.signal);
    } catch (err) {
      return { exitCode: null, error: describe(err) };
    }
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err) ?? String(err);
}
