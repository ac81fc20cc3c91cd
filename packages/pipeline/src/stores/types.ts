import type { PipelineRun, PipelineRunLogs } from '@iwp/core';

/** One log of a run (a job's, or the script's own): an item of core's PipelineRunLogs document. */
export type RunLog = PipelineRunLogs['logs'][number];

export const SCRIPT_LOG = '(script)';

/**
 * Where run history lives: a directory (`stores/file`) or an S3 prefix (`stores/s3`).
 * A live run always writes into a local directory; a remote store uploads it.
 */
export interface RunStore {
  readonly location: string;
  /** creates and returns the local directory of a new run */
  prepare(id: string): Promise<string>;
  /** prefix of log locations in records (`s3://...`); undefined: local paths */
  logLocation(id: string): string | undefined;
  /** writes the run's record (while it runs, and at the end) */
  save(run: PipelineRun): Promise<void>;
  /** the run is over: upload what a remote store keeps */
  finish(run: PipelineRun): Promise<void>;
  /** newest first */
  list(): Promise<PipelineRun[]>;
  /** by id or a unique prefix of one */
  get(idOrPrefix: string): Promise<PipelineRun>;
  logs(id: string, job?: string): Promise<RunLog[]>;
  /** the event a run was for (its event.json: secret names, no values) */
  event(id: string): Promise<Record<string, unknown>>;
}
