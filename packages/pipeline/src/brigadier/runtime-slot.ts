/**
 * The seam between the brigadier API a script imports and the worker that runs it. The
 * worker installs a runtime here before it imports the script; the API classes look it up
 * at call time. A global symbol (not module state) keeps it shared even if a script's
 * loader ends up with a second copy of the API module (CommonJS and ESM, say).
 */
export interface EventLike {
  id: string;
  source: string;
  type: string;
  [key: string]: unknown;
}

export type Handler = (event: EventLike) => unknown;

export interface RegistryLike {
  lookup(source: string, type: string): Handler | undefined;
  registered(): string[];
}

export interface JobLike {
  name: string;
  primaryContainer: {
    image: string;
    imagePullPolicy: string;
    workingDirectory: string;
    command: string[];
    arguments: string[];
    environment: Record<string, string>;
    workspaceMountPath: string;
    sourceMountPath: string;
    privileged: boolean;
  };
  sidecarContainers: Record<string, JobLike['primaryContainer']>;
  timeoutSeconds: number;
  host: { os?: string; nodeSelector: Record<string, string> };
  fallible: boolean;
  executor?: string;
}

export interface PipelineRuntime {
  readonly event: EventLike;
  /** every EventRegistry created in the worker, so the worker can dispatch if the script never calls process() */
  addRegistry(registry: RegistryLike): void;
  /** events.process(): runs the handler of the current event */
  dispatch(registry: RegistryLike): Promise<void>;
  /** a Job was constructed (reported as skipped if it never runs) */
  declareJob(job: JobLike): void;
  runJob(job: JobLike): Promise<void>;
  jobLogs(name: string): Promise<string>;
}

const slot = Symbol.for('iwp.pipeline.runtime');

export function installRuntime(runtime: PipelineRuntime | undefined): void {
  (globalThis as Record<symbol, unknown>)[slot] = runtime;
}

export function currentRuntime(): PipelineRuntime | undefined {
  return (globalThis as Record<symbol, unknown>)[slot] as PipelineRuntime | undefined;
}

export function requireRuntime(what: string): PipelineRuntime {
  const rt = currentRuntime();
  if (!rt) throw new Error(`${what}: no pipeline runtime; run this script with \`pipeline run SCRIPT --event TYPE\``);
  return rt;
}
