import type { Options } from 'execa';
import { ErrorCode, IwpError, redact } from './errors.js';

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string | Uint8Array;
  /** resolve with the exit code instead of throwing on a non-zero exit */
  reject?: boolean;
  timeoutMs?: number;
}

/** The process seam libraries take as an argument, so tests can pass a recording runner. */
export type Runner = (file: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

/** Runs a program with execa; a failure becomes a PROCESS_FAILED error carrying stderr's last lines. */
export const runProcess: Runner = async (file, args, opts = {}) => {
  const execaOpts: Options = {
    cwd: opts.cwd,
    env: opts.env,
    input: opts.input,
    reject: false,
    stripFinalNewline: true,
    timeout: opts.timeoutMs,
  };
  let r;
  try {
    const { execa } = await import('execa'); // loaded on first use: most commands never run a process
    r = await execa(file, [...args], execaOpts);
  } catch (err) {
    throw new IwpError(ErrorCode.PROCESS_FAILED, `${file}: ${(err as Error).message}`, { cause: err });
  }
  if ((r as { code?: string }).code === 'ENOENT' || (r.failed && r.exitCode === undefined && !r.timedOut)) {
    throw new IwpError(ErrorCode.PROCESS_FAILED, `${file}: not found or could not start (is it installed and on PATH?)`, { cause: r });
  }
  const result: RunResult = { stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), exitCode: r.exitCode ?? -1 };
  if (r.timedOut) throw new IwpError(ErrorCode.TIMEOUT, `${file} timed out after ${opts.timeoutMs} ms`);
  if (result.exitCode !== 0 && opts.reject !== false) {
    throw new IwpError(ErrorCode.PROCESS_FAILED, `${file} exited ${result.exitCode}: ${lastLines(result.stderr) || lastLines(result.stdout)}`, {
      details: { file, exitCode: result.exitCode },
    });
  }
  return result;
};

export function lastLines(text: string, n = 3): string {
  return redact(text.trim().split('\n').slice(-n).join(' | '));
}
