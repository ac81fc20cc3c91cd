import { isAbsolute, join, relative, resolve } from 'node:path';
import { runProcess, type Runner } from '@iwp/core/runner';
import { abortReason, type Executor, type JobContext, type JobOutcome, type JobSpec } from '../types.js';

/**
 * Runs the primary container's command as a local process. The image is not used (it is
 * kept in the record): the host provides the programs. The run's workspace directory is
 * the working directory, so files a job writes are there for later jobs of the run; paths
 * under `workspaceMountPath`/`sourceMountPath` are mapped onto the host directories.
 */
export class ProcessExecutor implements Executor {
  readonly name = 'process';

  constructor(private readonly baseEnv: NodeJS.ProcessEnv = process.env, private readonly runner: Runner = runProcess) {}

  /**
   * A job's environment: PATH and HOME of the runner, the run's directories, and what the
   * job sets (its `environment`, where a script puts the secrets it grants). Nothing else of
   * the runner's environment (which may hold credentials) reaches a job.
   */
  jobEnv(spec: JobSpec, ctx: Pick<JobContext, 'workspaceDir' | 'sourceDir'>): Record<string, string> {
    return {
      PATH: this.baseEnv.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: this.baseEnv.HOME ?? '/',
      IWP_WORKSPACE: ctx.workspaceDir,
      ...(ctx.sourceDir ? { IWP_SOURCE: ctx.sourceDir } : {}),
      ...spec.primary.env,
    };
  }

  async run(spec: JobSpec, ctx: JobContext): Promise<JobOutcome> {
    const c = spec.primary;
    const argv = [...c.command, ...c.args];
    if (argv.length === 0) {
      return { exitCode: null, error: `job ${spec.name}: the process executor needs primaryContainer.command (an image's entrypoint is not available here)` };
    }
    const mapPath = (p: string) => mapContainerPath(p, c, ctx);
    const cwd = c.workingDirectory ? resolve(ctx.workspaceDir, mapPath(c.workingDirectory)) : c.sourceMountPath && ctx.sourceDir ? ctx.sourceDir : ctx.workspaceDir;
    const env = this.jobEnv(spec, ctx);
    let r;
    try {
      r = await this.runner(argv[0]!, argv.slice(1).map(mapPath), {
        cwd,
        env,
        extendEnv: false,
        stdin: 'ignore',
        reject: false,
        // its own process group, so stopping the job stops what its shell started too
        processGroup: true,
        signal: ctx.signal,
        forceKillAfterMs: 5000,
        onOutput: (stream, text) => ctx.onOutput(stream, text),
      });
    } catch (err) {
      const e = err as { details?: { notFound?: boolean }; message: string };
      return { exitCode: null, error: e.details?.notFound ? `${argv[0]}: command not found` : e.message };
    }
    const exitCode = r.signal ? null : r.exitCode;
    if (ctx.signal.aborted) return { exitCode, error: abortReason(ctx.signal) };
    return { exitCode, ...(r.signal ? { error: `killed by ${r.signal}` } : {}) };
  }
}

/** `/workspace/out` with workspaceMountPath `/workspace` -> `<workspaceDir>/out`. */
export function mapContainerPath(p: string, c: { workspaceMountPath: string; sourceMountPath: string }, ctx: Pick<JobContext, 'workspaceDir' | 'sourceDir'>): string {
  const mounts: Array<[string, string | undefined]> = [
    [c.workspaceMountPath, ctx.workspaceDir],
    [c.sourceMountPath, ctx.sourceDir],
  ];
  for (const [mount, host] of mounts) {
    if (!mount || !host || !isAbsolute(p)) continue;
    const rel = relative(mount, p);
    if (rel === '') return host;
    if (!rel.startsWith('..') && !isAbsolute(rel)) return join(host, rel);
  }
  return p;
}
