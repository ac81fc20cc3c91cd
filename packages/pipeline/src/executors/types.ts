/** What an executor is asked to run: one job's primary container (and sidecars). */
export interface ContainerSpec {
  image: string;
  imagePullPolicy: string;
  /** replaces the image entrypoint when non-empty */
  command: string[];
  /** replaces the image cmd when non-empty */
  args: string[];
  env: Record<string, string>;
  workingDirectory: string;
  workspaceMountPath: string;
  sourceMountPath: string;
  privileged: boolean;
}

export interface JobSpec {
  runId: string;
  /** the job's name, unique in the run */
  name: string;
  primary: ContainerSpec;
  sidecars: Record<string, ContainerSpec>;
  timeoutMs: number;
  nodeSelector: Record<string, string>;
}

export interface JobContext {
  /** the run's workspace directory on this host, shared by its jobs in order */
  workspaceDir: string;
  /** the event's source checkout on this host, if any */
  sourceDir?: string;
  /** a directory the executor may use for this job's scratch files */
  scratchDir: string;
  /** output of the primary container as it arrives */
  onOutput(stream: 'stdout' | 'stderr', chunk: string): void;
  /** a progress note for the run's event stream (image pulled, pod scheduled, ...) */
  onNote(message: string, fields?: Record<string, unknown>): void;
  /** aborted on the job's timeout or when the run is stopped */
  signal: AbortSignal;
}

export interface JobOutcome {
  /** the primary container's exit code; null when it never exited (timeout, not started) */
  exitCode: number | null;
  /** why the job failed, when the exit code does not say it */
  error?: string;
  /** executor facts for the record (image digest, pod status, ...) */
  details?: Record<string, unknown>;
}

/** One way to run jobs. Executors live in executors/<name>/executor.ts with this shape. */
export interface Executor {
  readonly name: string;
  run(spec: JobSpec, ctx: JobContext): Promise<JobOutcome>;
  /** releases clients and caches at the end of a run */
  close?(): Promise<void>;
}

/** The reason an aborted job stopped ("timed out after 5s", "run stopped"). */
export function abortReason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  if (r instanceof Error) return r.name === 'TimeoutError' ? 'timed out' : r.message;
  return typeof r === 'string' ? r : 'aborted';
}
