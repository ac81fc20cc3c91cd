import PQueue from 'p-queue';
import type { PipelineRun } from '@iwp/core';
import type { EventInput } from '../event.js';
import { initialRecord } from '../run-record.js';
import { newRunId } from '../run-id.js';
import { runPipeline, type RunEventSink, type RunOptions } from '../run.js';
import { WorkerPool } from '../worker-pool.js';
import type { GatewayMetrics } from './metrics.js';

export type RunSettings = Omit<RunOptions, 'event' | 'runId' | 'receivedAt' | 'onEvent' | 'worker'>;

/**
 * The lane of an event: runs of pushes to one branch of one repository go one after the
 * other, in the order their webhooks arrived, so a deploy of an older commit never finishes
 * after (and overwrites) a newer one. Events without a ref have no lane.
 */
export function laneOf(input: EventInput): string | undefined {
  const ref = input.git?.ref;
  const repo = input.qualifiers?.repo ?? input.git?.cloneURL;
  return ref ? `${repo ?? ''}#${ref}` : undefined;
}

/**
 * Runs of accepted events, `concurrency` at a time, each in a worker taken from a pool of
 * started ones; runs of one lane (a branch) one at a time, lanes side by side. A queued run
 * is recorded at once (status `queued`), so its id can be answered to the webhook and
 * looked up before it starts.
 */
export class RunQueue {
  private readonly queue: PQueue;
  private readonly pool: WorkerPool;
  private readonly lanes = new Map<string, Promise<unknown>>();
  /** runs waiting for an earlier run of their lane */
  private held = 0;

  constructor(
    private readonly settings: RunSettings,
    private readonly metrics: GatewayMetrics,
    private readonly emit: RunEventSink,
    opts: { concurrency: number; spareWorkers: number },
  ) {
    this.queue = new PQueue({ concurrency: opts.concurrency });
    this.pool = new WorkerPool(opts.spareWorkers);
  }

  get waiting(): number {
    return this.queue.size + this.held;
  }

  get running(): number {
    return this.queue.pending;
  }

  async add(input: EventInput, receivedAt: Date): Promise<PipelineRun> {
    const { store, script } = this.settings;
    const runId = newRunId(receivedAt);
    const queued = initialRecord(runId, script, input, '', 'queued');
    await store.prepare(runId);
    await store.save(queued);
    this.metrics.queued.inc();
    const start = () => this.queue.add(() => this.run(input, runId, receivedAt));
    const lane = laneOf(input);
    if (!lane) {
      void start();
      return queued;
    }
    const before = this.lanes.get(lane);
    if (before) this.held++;
    const mine: Promise<unknown> = (before ? before.then(() => void this.held--) : Promise.resolve()).then(start).catch(() => undefined);
    this.lanes.set(lane, mine);
    void mine.then(() => {
      if (this.lanes.get(lane) === mine) this.lanes.delete(lane);
    });
    return queued;
  }

  async idle(): Promise<void> {
    while (this.lanes.size) await Promise.all([...this.lanes.values()]);
    await this.queue.onIdle();
  }

  close(): void {
    this.pool.close();
  }

  private async run(event: EventInput, runId: string, receivedAt: Date): Promise<void> {
    const m = this.metrics;
    m.queued.dec();
    m.running.inc();
    const onEvent: RunEventSink = (name, fields, text) => {
      if (name === 'run.started' && typeof fields.latencyMs === 'number') m.startSeconds.observe(fields.latencyMs / 1000);
      this.emit(name, fields, text);
    };
    try {
      const run = await runPipeline({ ...this.settings, event, runId, receivedAt, onEvent, worker: () => this.pool.take() });
      m.runs.inc({ status: run.status });
      m.runSeconds.observe({ status: run.status }, ((run as { durationMs?: number }).durationMs ?? 0) / 1000);
      for (const j of run.jobs) if (j.durationMs !== undefined) m.jobSeconds.observe({ executor: j.executor ?? '', status: j.status }, j.durationMs / 1000);
    } catch (err) {
      // the runner itself failed (store not writable): the gateway goes on
      m.runs.inc({ status: 'failed' });
      this.emit('run.error', { run: runId, error: (err as Error).message }, `run ${runId}: ${(err as Error).message}`);
    } finally {
      m.running.dec();
    }
  }
}
