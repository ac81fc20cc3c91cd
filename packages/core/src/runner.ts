import type { Options, ResultPromise } from 'execa';
import early, { type EarlyResult } from './early.cjs';
import { ErrorCode, IwpError, redact } from './errors.js';
import { childAtExit } from './exit-cleanup.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  /** -1 when the program did not exit by itself (a signal ended it) */
  exitCode: number;
  /** the signal that ended it, if one did */
  signal?: string;
  /** `opts.signal` aborted while it ran */
  canceled?: boolean;
  /** with `binary`: stdout's exact bytes */
  stdoutBytes?: Uint8Array;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** false: only `env` reaches the program, nothing of this process's environment (default true) */
  extendEnv?: boolean;
  input?: string | Uint8Array;
  /** with no `input`: 'ignore' gives the program /dev/null as stdin (default: a pipe) */
  stdin?: 'pipe' | 'ignore';
  /** resolve with the exit code instead of throwing on a non-zero exit or a cancel */
  reject?: boolean;
  timeoutMs?: number;
  /** stops the program when it aborts: `killSignal` (default SIGTERM), SIGKILL `forceKillAfterMs` later (default 5 s) */
  signal?: AbortSignal;
  killSignal?: NodeJS.Signals;
  forceKillAfterMs?: number;
  /** the program gets its own process group, and stopping it stops all it started */
  processGroup?: boolean;
  /** output chunk by chunk as it comes; it is then not collected into the result */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
  /** collect stdout as bytes too (`stdoutBytes`), unaltered: no decoding, no newline stripped */
  binary?: boolean;
}

/** The process seam libraries take as an argument, so tests can pass a recording runner. */
export type Runner = (file: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

type ExecaResult = Awaited<ResultPromise> & { code?: string };

function execaOptions(opts: RunOptions): Options {
  const grace = opts.forceKillAfterMs ?? 5000;
  return {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.extendEnv ?? true,
    input: opts.input,
    ...(opts.input === undefined && opts.stdin ? { stdin: opts.stdin } : {}),
    reject: false,
    stripFinalNewline: !opts.binary,
    timeout: opts.timeoutMs,
    ...(opts.binary ? { encoding: 'buffer' as const } : {}),
    ...(opts.onOutput ? { buffer: false } : {}),
    // a process group is stopped here, by signalling the group; execa stops only the child
    ...(opts.processGroup ? { detached: true } : opts.signal ? { cancelSignal: opts.signal, killSignal: opts.killSignal ?? 'SIGTERM', forceKillAfterDelay: grace } : {}),
  };
}

/** `killSignal` to the child's whole group when `signal` aborts, SIGKILL after the grace if any of it is left. */
function stopGroupOnAbort(pid: number | undefined, opts: RunOptions): () => void {
  const signal = opts.signal;
  if (!pid || !signal) return () => {};
  const send = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      // the group is gone
    }
  };
  const stop = () => {
    send(opts.killSignal ?? 'SIGTERM');
    setTimeout(() => send('SIGKILL'), opts.forceKillAfterMs ?? 5000).unref();
  };
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  return () => signal.removeEventListener('abort', stop);
}

let execaModule: Promise<typeof import('execa')> | undefined;

/**
 * Loads execa now rather than at the first run (most commands never run a process, so it is
 * not loaded with this module). A process that will run programs soon and has time before
 * (pipeline's worker, waiting for its run) calls it so the first job does not wait for it.
 */
export function preloadRunner(): Promise<unknown> {
  execaModule ??= import('execa');
  return execaModule;
}

async function start(file: string, args: readonly string[], opts: RunOptions): Promise<ExecaResult> {
  try {
    await preloadRunner();
    const { execa } = await execaModule!;
    const child = execa(file, [...args], execaOptions(opts));
    // a process group is the caller's to stop; a plain child ends before the removals at exit
    const ended = !opts.processGroup && child.pid ? childAtExit(child.pid) : () => {};
    const release = opts.processGroup ? stopGroupOnAbort(child.pid, opts) : () => {};
    if (opts.onOutput) {
      for (const name of ['stdout', 'stderr'] as const) {
        child[name]?.setEncoding('utf8'); // whole characters, never half of one split across chunks
        child[name]?.on('data', (text: string) => opts.onOutput!(name, text));
      }
    }
    try {
      return (await child) as ExecaResult;
    } finally {
      ended();
      release();
    }
  } catch (err) {
    throw new IwpError(ErrorCode.PROCESS_FAILED, `${file}: ${(err as Error).message}`, { cause: err });
  }
}

const text = (v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString() : String(v ?? ''));

/**
 * Runs a program with execa. It not starting, a timeout, and (unless `reject: false`) a
 * non-zero exit or a cancel become errors: PROCESS_FAILED carrying stderr's last lines
 * (details.notFound when there is no such program), TIMEOUT.
 */
export const runProcess: Runner = async (file, args, opts = {}) => {
  const started = adoptable(opts) ? early.takeEarly(file, args) : undefined;
  const r = started ? fromEarly(await started) : await start(file, args, opts);
  // stopped by the signal; a program that had finished by itself before the abort was not
  const canceled = Boolean(opts.signal?.aborted) && r.exitCode !== 0;
  if (r.code === 'ENOENT' || (r.failed && r.exitCode === undefined && !r.timedOut && !r.signal && !canceled)) {
    throw new IwpError(ErrorCode.PROCESS_FAILED, `${file}: not found or could not start (is it installed and on PATH?)`, {
      cause: r,
      details: { file, notFound: r.code === 'ENOENT' },
    });
  }
  const result: RunResult = { stdout: text(r.stdout), stderr: text(r.stderr), exitCode: r.exitCode ?? -1 };
  if (r.signal) result.signal = r.signal;
  if (canceled) result.canceled = true;
  if (opts.binary && r.stdout instanceof Uint8Array) result.stdoutBytes = r.stdout;
  if (r.timedOut) throw new IwpError(ErrorCode.TIMEOUT, `${file} timed out after ${opts.timeoutMs} ms`);
  if (opts.reject !== false && (result.exitCode !== 0 || canceled)) {
    const why = canceled ? 'stopped' : `exited ${result.exitCode}: ${lastLines(result.stderr) || lastLines(result.stdout)}`;
    throw new IwpError(ErrorCode.PROCESS_FAILED, `${file} ${why}`, { details: { file, exitCode: result.exitCode } });
  }
  return result;
};

/**
 * A run the tool started before its CLI loaded (early.cts) stands for this one when nothing
 * in `opts` would have run it differently: no input, environment, directory, limit or stream.
 */
function adoptable(opts: RunOptions): boolean {
  return Object.entries(opts).every(([k, v]) => v === undefined || k === 'reject');
}

/** An early run's result as execa gives one: the final newline of each stream stripped. */
function fromEarly(e: EarlyResult): ExecaResult {
  const strip = (t: string) => t.replace(/\r?\n$/, '');
  if (e.error) return { code: e.error.code, failed: true, exitCode: undefined, stdout: '', stderr: '' } as unknown as ExecaResult;
  return { failed: e.exitCode !== 0, exitCode: e.exitCode ?? undefined, signal: e.signal ?? undefined, stdout: strip(e.stdout), stderr: strip(e.stderr) } as unknown as ExecaResult;
}

export function lastLines(text: string, n = 3): string {
  return redact(text.trim().split('\n').slice(-n).join(' | '));
}
