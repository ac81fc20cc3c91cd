import { execa } from 'execa';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { abortReason, type Executor, type JobContext, type JobOutcome, type JobSpec } from '../types.js';

/**
 * Runs the primary container's command as a local process. The image is not used (it is
 * kept in the record): the host provides the programs. The run's workspace directory is
 * the working directory, so files a job writes are there for later jobs of the run; paths
 * under `workspaceMountPath`/`sourceMountPath` are mapped onto the host directories.
 */
export class ProcessExecutor implements Executor {
  readonly name = 'process';

  constructor(private readonly baseEnv: NodeJS.ProcessEnv = process.env) {}

  async run(spec: JobSpec, ctx: JobContext): Promise<JobOutcome> {
    const c = spec.primary;
    const argv = [...c.command, ...c.args];
    if (argv.length === 0) {
      return { exitCode: null, error: `job ${spec.name}: the process executor needs primaryContainer.command (an image's entrypoint is not available here)` };
    }
    const mapPath = (p: string) => mapContainerPath(p, c, ctx);
    const cwd = c.workingDirectory ? resolve(ctx.workspaceDir, mapPath(c.workingDirectory)) : c.sourceMountPath && ctx.sourceDir ? ctx.sourceDir : ctx.workspaceDir;
    const env: Record<string, string> = {
      ...(this.baseEnv as Record<string, string>),
      IWP_WORKSPACE: ctx.workspaceDir,
      ...(ctx.sourceDir ? { IWP_SOURCE: ctx.sourceDir } : {}),
      ...c.env,
    };
    const child = execa(argv[0]!, argv.slice(1).map(mapPath), {
      cwd,
      env,
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
      cancelSignal: ctx.signal,
      forceKillAfterDelay: 5000,
      // a job's shell may start children; they go with it
      cleanup: true,
      buffer: false,
      encoding: 'utf8',
    });
    child.stdout?.on('data', (d: Buffer | string) => ctx.onOutput('stdout', d.toString()));
    child.stderr?.on('data', (d: Buffer | string) => ctx.onOutput('stderr', d.toString()));
    const r = await child;
    if (ctx.signal.aborted) return { exitCode: r.exitCode ?? null, error: abortReason(ctx.signal) };
    if (r.failed && r.exitCode === undefined) {
      return { exitCode: null, error: `${argv[0]}: ${r.code === 'ENOENT' ? 'command not found' : r.shortMessage}` };
    }
    return { exitCode: r.exitCode ?? null, ...(r.signal ? { error: `killed by ${r.signal}` } : {}) };
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
