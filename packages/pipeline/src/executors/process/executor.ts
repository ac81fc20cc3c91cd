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
    const child = execa(argv[0]!, argv.slice(1).map(mapPath), {
      cwd,
      env,
      extendEnv: false,
      stdin: 'ignore',
      reject: false,
      // its own process group, so stopping the job stops what its shell started too
      detached: true,
      cleanup: true,
      buffer: false,
      encoding: 'utf8',
    });
    const stopGroup = () => killGroup(child.pid, 'SIGTERM', 5000);
    if (ctx.signal.aborted) stopGroup();
    ctx.signal.addEventListener('abort', stopGroup, { once: true });
    child.stdout?.on('data', (d: Buffer | string) => ctx.onOutput('stdout', d.toString()));
    child.stderr?.on('data', (d: Buffer | string) => ctx.onOutput('stderr', d.toString()));
    const r = await child;
    ctx.signal.removeEventListener('abort', stopGroup);
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

/** SIGTERM to a process group, SIGKILL after `graceMs` if any of it is left. */
function killGroup(pid: number | undefined, signal: NodeJS.Signals, graceMs: number): void {
  if (!pid) return;
  const send = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // the group is gone
    }
  };
  send(signal);
  setTimeout(() => send('SIGKILL'), graceMs).unref();
}
