import { readFileSync } from 'node:fs';

/**
 * The state letter of a process in /proc/PID/stat (R, S, D, Z, ...); undefined when there is
 * no such process. A process that has exited stays a zombie (Z) until its parent reaps it: a
 * daemon whose starter has gone is reaped by init, on this machine up to 2 s later, and
 * `kill(pid, 0)` reaches it until then.
 */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const end = stat.lastIndexOf(')'); // the command name, in parentheses, may hold spaces
    return stat.slice(end + 2, end + 3) || undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process exists and has not exited (a zombie has). */
export function processRuns(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== 'Z';
}
