import type { JobLike } from '../brigadier/runtime-slot.js';
import type { ContainerSpec, JobOutcome, JobSpec } from '../executors/types.js';
import type { Masker } from '../mask.js';
import type { PipelineJob } from './protocol.js';

/** A job name as it may appear in a file name or a Kubernetes object name. */
export function safeName(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return (s || 'job').slice(0, 40);
}

function containerSpec(c: JobLike['primaryContainer']): ContainerSpec {
  const strings = (v: unknown, field: string): string[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${field}: expected an array of strings`);
    return [...v];
  };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.environment ?? {})) env[k] = String(v);
  if (typeof c.image !== 'string') throw new Error('image: expected a string');
  return {
    image: c.image,
    imagePullPolicy: c.imagePullPolicy || 'IfNotPresent',
    command: strings(c.command, 'command'),
    args: strings(c.arguments, 'arguments'),
    env,
    workingDirectory: c.workingDirectory || '',
    workspaceMountPath: c.workspaceMountPath || '',
    sourceMountPath: c.sourceMountPath || '',
    privileged: Boolean(c.privileged),
  };
}

/** The executor's view of a script's Job; a malformed field is an error naming it. */
export function jobSpec(runId: string, job: JobLike): JobSpec {
  try {
    const sidecars: Record<string, ContainerSpec> = {};
    for (const [name, c] of Object.entries(job.sidecarContainers ?? {})) sidecars[name] = containerSpec(c);
    const timeout = Number(job.timeoutSeconds);
    return {
      runId,
      name: job.name,
      primary: containerSpec(job.primaryContainer),
      sidecars,
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? Math.round(timeout * 1000) : 15 * 60_000,
      nodeSelector: { ...(job.host?.nodeSelector ?? {}) },
    };
  } catch (err) {
    throw new Error(`job ${job.name}: primaryContainer.${(err as Error).message}`);
  }
}

export function pendingJob(job: JobLike, executor: string): PipelineJob {
  return { name: job.name, image: job.primaryContainer?.image, executor, status: 'skipped', exitCode: null };
}

export function runningJob(job: JobLike, executor: string, logFile: string): PipelineJob & Record<string, unknown> {
  return { name: job.name, image: job.primaryContainer?.image, executor, status: 'running', exitCode: null, startedAt: new Date().toISOString(), logFile };
}

/** Completes a running job's record from its outcome (the error masked); whether it succeeded. */
export function finishedJob(rec: PipelineJob & Record<string, unknown>, outcome: JobOutcome, stdout: string, masker: Masker): boolean {
  const finishedAt = new Date();
  const ok = outcome.exitCode === 0 && !outcome.error;
  Object.assign(rec, {
    status: ok ? 'succeeded' : 'failed',
    exitCode: outcome.exitCode,
    durationMs: finishedAt.getTime() - Date.parse(String(rec.startedAt)),
    finishedAt: finishedAt.toISOString(),
    stdout,
    ...(outcome.error ? { error: masker.mask(outcome.error) } : {}),
    ...(outcome.details ? { details: outcome.details } : {}),
  });
  return ok;
}
