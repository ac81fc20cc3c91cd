import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GitConfig } from './brigadier/types.js';
import { checkoutCommit, CheckoutError } from './checkout.js';
import type { Masker } from './mask.js';
import type { PipelineJob } from './worker/protocol.js';

/** The name under which a run's checkout appears among its jobs (and its log, logs/checkout.log). */
export const CHECKOUT_JOB = 'checkout';

export interface CheckoutStep {
  job: PipelineJob & Record<string, unknown>;
  /** the checkout, when it worked */
  dir?: string;
  error?: string;
}

/**
 * The run's first step when its event names a clone URL and a commit: that commit fetched
 * into `<workspace>/src`, recorded as a job (`checkout`, executor `git`) with its log, so a
 * commit that cannot be fetched fails the run with git's message before any script runs.
 */
export async function checkoutStep(
  git: GitConfig & { commit: string },
  paths: { runDir: string; workspaceDir: string; logLocation?: string },
  masker: Masker,
  onJob: (job: PipelineJob) => void,
  onLine: (line: string) => void,
  signal?: AbortSignal,
): Promise<CheckoutStep> {
  const logPath = join(paths.runDir, 'logs', `${CHECKOUT_JOB}.log`);
  const dir = join(paths.workspaceDir, 'src');
  const startedAt = new Date();
  const job: CheckoutStep['job'] = {
    name: CHECKOUT_JOB,
    executor: 'git',
    status: 'running',
    exitCode: null,
    startedAt: startedAt.toISOString(),
    logFile: paths.logLocation ? `${paths.logLocation}/${CHECKOUT_JOB}.log` : logPath,
    commit: git.commit,
  };
  onJob({ ...job });
  let log = Promise.resolve();
  const line = (l: string) => {
    const m = masker.mask(l);
    log = log.then(() => appendFile(logPath, `${m}\n`)).catch(() => undefined);
    onLine(m);
  };
  let error: string | undefined;
  try {
    await checkoutCommit({ cloneURL: git.cloneURL, commit: git.commit, ...(git.ref ? { ref: git.ref } : {}) }, dir, { onLine: line, ...(signal ? { signal } : {}) });
  } catch (err) {
    error = masker.mask(err instanceof CheckoutError ? err.message : `checkout: ${(err as Error).message}`);
  }
  await log;
  const finishedAt = new Date();
  Object.assign(job, {
    status: error ? 'failed' : 'succeeded',
    exitCode: error ? 1 : 0,
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    ...(error ? { error } : { stdout: `${git.commit}` }),
  });
  onJob({ ...job });
  return { job, ...(error ? { error } : { dir }) };
}
