import { execa } from 'execa';
import { ErrorCode, IwpError, lastLines } from '@iwp/core';

/**
 * Runs a user's shell command (`--from`, `--before-upload`, `--after-download`, `--to`) with
 * `input` on stdin and returns its stdout bytes; a failure names the flag and exits 1.
 */
export async function runHook(flag: string, command: string, input?: Buffer): Promise<Buffer> {
  const r = await execa(command, {
    shell: true,
    reject: false,
    encoding: 'buffer',
    stripFinalNewline: false,
    stdin: input === undefined ? 'ignore' : 'pipe',
    ...(input === undefined ? {} : { input }),
    stderr: 'pipe',
  });
  if (r.exitCode !== 0 || r.failed) {
    const err = Buffer.from(r.stderr as Uint8Array).toString('utf8');
    throw new IwpError(ErrorCode.PROCESS_FAILED, `${flag} "${command}" failed with exit code ${r.exitCode ?? r.signal}: ${lastLines(err) || '(no output)'}`, {
      details: { flag, command, exitCode: r.exitCode ?? null },
    });
  }
  return Buffer.from(r.stdout as Uint8Array);
}
