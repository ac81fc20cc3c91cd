import { ErrorCode, IwpError, lastLines, runProcess, type Runner } from '@iwp/core';

/**
 * Runs a user's shell command (`--from`, `--before-upload`, `--after-download`, `--to`) with
 * `input` on stdin and returns its stdout bytes; a failure names the flag and exits 1.
 */
export async function runHook(flag: string, command: string, input?: Buffer, run: Runner = runProcess): Promise<Buffer> {
  const r = await run('sh', ['-c', command], {
    reject: false,
    binary: true,
    ...(input === undefined ? { stdin: 'ignore' as const } : { input }),
  });
  if (r.exitCode !== 0) {
    throw new IwpError(ErrorCode.PROCESS_FAILED, `${flag} "${command}" failed with exit code ${r.signal ?? r.exitCode}: ${lastLines(r.stderr) || '(no output)'}`, {
      details: { flag, command, exitCode: r.signal ? null : r.exitCode },
    });
  }
  return Buffer.from(r.stdoutBytes ?? new Uint8Array());
}
