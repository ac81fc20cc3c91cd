import type { Executor, JobContext, JobOutcome, JobSpec } from '../executors/types.js';

/**
 * Runs a job through its executor, stopped by the run's `stop` signal or the job's own timeout,
 * whichever comes first; an outcome's error says which (the run's reason, or "timed out after Ns").
 */
export async function runWithTimeout(executor: Executor, spec: JobSpec, ctx: Omit<JobContext, 'signal'>, stop: AbortSignal): Promise<JobOutcome> {
  // a timer of our own, not AbortSignal.timeout: node 20 may collect that one while it is
  // only a source of AbortSignal.any, and then the job is never stopped
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new DOMException('timed out', 'TimeoutError')), spec.timeoutMs);
  const signal = AbortSignal.any([stop, timeout.signal]);
  const outcome = await executor.run(spec, { ...ctx, signal }).finally(() => clearTimeout(timer));
  if (signal.aborted) {
    // the run being stopped says so; the job's own timeout says how long it had
    const reason = stop.aborted ? String(stop.reason) : `timed out after ${spec.timeoutMs / 1000}s`;
    outcome.error = outcome.error ? outcome.error.replace(/^(timed out|aborted|run stopped)/, reason) : reason;
  }
  return outcome;
}
