import type { PipelineRun } from '@iwp/core';
import type { RunStore } from '../stores/types.js';

/**
 * Runs left `queued` or `running` by a server that stopped without finishing them (killed,
 * crashed, the machine rebooted): marked failed, with their running jobs, when a server
 * starts on the same run history. Their workers and jobs went with the old server (a worker
 * stops its jobs when its server's IPC channel closes), so nothing of them is still running.
 */
export async function failInterruptedRuns(store: RunStore, now = new Date()): Promise<PipelineRun[]> {
  const out: PipelineRun[] = [];
  for (const run of await store.list()) {
    if (run.status !== 'running' && run.status !== 'queued') continue;
    const at = now.toISOString();
    const failed: PipelineRun = {
      ...run,
      status: 'failed',
      finishedAt: at,
      error: `the pipeline server stopped before the run finished (marked failed at restart, ${at})`,
      jobs: run.jobs.map((j) => (j.status === 'running' ? { ...j, status: 'failed' as const, error: 'the pipeline server stopped' } : j)),
    };
    await store.prepare(run.id);
    await store.finish(failed);
    out.push(failed);
  }
  return out;
}
