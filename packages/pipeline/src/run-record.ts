import type { PipelineRun } from '@iwp/core';
import { normalizeSource } from './event-source.js';
import type { EventInput } from './event.js';
import { newRunId } from './run-id.js';
import type { RunStore } from './stores/types.js';
import type { PipelineJob } from './worker/protocol.js';

/** The first record of a run, written before its worker starts (or when it is queued). */
export function initialRecord(id: string, script: string | undefined, input: EventInput, eventId: string, status: PipelineRun['status']): PipelineRun {
  return {
    apiVersion: 'iwp/v1',
    kind: 'PipelineRun',
    id,
    ...(script ? { script } : {}),
    event: {
      id: eventId,
      source: normalizeSource(input.source),
      type: input.type,
      ...(input.deliveryId ? { deliveryId: input.deliveryId } : {}),
      ...(input.shortTitle ? { title: input.shortTitle } : {}),
      ...(input.qualifiers?.repo ? { repo: input.qualifiers.repo } : {}),
      ...(input.git?.ref ? { ref: input.git.ref } : {}),
      ...(input.git?.commit ? { commit: input.git.commit } : {}),
      ...(input.actor ? { actor: input.actor } : {}),
      ...(input.rerunOf ? { rerunOf: input.rerunOf } : {}),
    } as PipelineRun['event'],
    status,
    startedAt: new Date().toISOString(),
    jobs: [],
  };
}

/** A run that failed before any script ran (a malformed webhook payload): recorded all the same. */
export async function recordRejectedRun(store: RunStore, input: EventInput, error: string, script?: string): Promise<PipelineRun> {
  const id = newRunId();
  await store.prepare(id);
  const run = initialRecord(id, script, input, '', 'failed');
  run.finishedAt = run.startedAt;
  run.error = error;
  await store.finish(run);
  return run;
}

type JobWithError = PipelineJob & { error?: string };

/** The run event for a job's new state: [event, fields, text line], or undefined. */
export function jobEvent(prev: PipelineJob | undefined, j: JobWithError): [string, Record<string, unknown>, string] | undefined {
  if (j.status === 'running') {
    if (prev?.status === 'running') return undefined;
    return ['job.started', { job: j.name, executor: j.executor, image: j.image }, `> ${j.name} (${j.executor}${j.image ? `, ${j.image}` : ''})`];
  }
  const mark = j.status === 'succeeded' ? '✓' : j.status === 'skipped' ? '-' : '✗';
  const text = `${mark} ${j.name} ${j.status}${j.exitCode !== null ? ` (exit ${j.exitCode})` : ''}${j.durationMs !== undefined ? ` ${j.durationMs} ms` : ''}${j.error ? `: ${j.error}` : ''}`;
  return ['job.finished', { job: j.name, status: j.status, exitCode: j.exitCode, durationMs: j.durationMs, ...(j.error ? { error: j.error } : {}) }, text];
}
