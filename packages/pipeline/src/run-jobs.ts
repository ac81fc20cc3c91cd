import type { PipelineRun } from '@iwp/core';
import type { RunEventSink } from './run.js';
import { jobEvent } from './run-record.js';
import type { RunStore } from './stores/types.js';
import type { PipelineJob, WorkerMessage } from './worker/protocol.js';

/**
 * The jobs of a run in progress: each change is a run event and a save of the record, saves
 * one after another in the order the changes came.
 */
export class RunJobs {
  private readonly jobs = new Map<string, PipelineJob>();
  private saving = Promise.resolve();

  constructor(private readonly run: PipelineRun, private readonly store: RunStore, private readonly emit: RunEventSink) {}

  update(job: PipelineJob): void {
    const ev = jobEvent(this.jobs.get(job.name), job);
    this.jobs.set(job.name, job);
    if (ev) this.emit(...ev);
    this.run.jobs = [...this.jobs.values()];
    this.saving = this.saving.then(() => this.store.save(this.run)).catch(() => undefined);
  }

  /** every save done; a job still running when the worker ended counts as failed */
  async final(): Promise<PipelineJob[]> {
    await this.saving;
    return [...this.jobs.values()].map((j) => (j.status === 'running' ? { ...j, status: 'failed' as const } : j));
  }
}

/** What a worker's messages become: run events, job updates, the time the script started. */
export function onWorkerMessage(run: PipelineRun & Record<string, unknown>, jobs: RunJobs, emit: RunEventSink, started: Record<string, unknown>, receivedAt?: Date) {
  return (m: WorkerMessage): void => {
    if (m.t === 'started') {
      const fields: Record<string, unknown> = { ...started };
      if (receivedAt) fields.latencyMs = Date.parse(m.at) - receivedAt.getTime();
      run.scriptStartedAt = m.at;
      emit('run.started', fields, `run ${run.id}: ${String(started.source)}:${String(started.type)}`);
    } else if (m.t === 'job') {
      jobs.update(m.job);
    } else if (m.t === 'log') {
      emit('job.log', { job: m.job, stream: m.stream, line: m.line }, `[${m.job}] ${m.line}`);
    } else if (m.t === 'note') {
      emit('job.note', { job: m.job, message: m.message, ...m.fields }, `[${m.job}] ${m.message}`);
    }
  };
}
