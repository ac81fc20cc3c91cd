// Paths a command removes itself when it is done with them, and that must not outlive it when
// it ends otherwise: interrupted (Ctrl-C, SIGTERM from a CI runner's timeout, SIGHUP) or
// exiting from an error its own cleanup never reached. signal-exit (execa stops its
// subprocesses the same way) runs the removals and then lets the signal end the process as it
// would have (exit 130 for SIGINT, 143 for SIGTERM). Only SIGKILL leaves them.
//
// A subprocess may still be writing into such a path (a `nix copy` into a temp cache: its
// start is `mkdir -p` of the cache, which would create it again after the removal). So the
// subprocesses the runner started (runner.ts, childAtExit) are sent SIGTERM first, and the
// removal waits, a bounded time, until they have ended.
import { readFileSync, rmSync } from 'node:fs';
import { onExit } from 'signal-exit';

const paths = new Set<string>();
const children = new Set<number>();
let hooked = false;
/** How long the removal waits for the subprocesses to end. */
const CHILDREN_GRACE_MS = 3000;

/**
 * Removes `path` (recursively) when the process exits or is ended by a signal, unless the
 * returned function is called first (the command removed it itself).
 */
export function removedAtExit(path: string): () => void {
  paths.add(path);
  if (!hooked) {
    hooked = true;
    onExit(() => {
      if (paths.size === 0) return;
      endChildren();
      for (const p of paths) removeNow(p);
    });
  }
  return () => void paths.delete(path);
}

/** Counts `pid`, a subprocess, among those ended before the removals at exit, until the returned function is called (it has ended). */
export function childAtExit(pid: number): () => void {
  children.add(pid);
  return () => void children.delete(pid);
}

/**
 * SIGTERM to each subprocess still running, then waits until each has ended (a zombie, or
 * gone), CHILDREN_GRACE_MS at most. Synchronous: it runs as the process exits. Where there
 * is no /proc to tell a zombie from a running process, it does not wait.
 */
function endChildren(): void {
  for (const pid of children) signal(pid);
  const until = Date.now() + CHILDREN_GRACE_MS;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while ([...children].some(running) && Date.now() < until) Atomics.wait(nap, 0, 0, 5);
}

function signal(pid: number): void {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    children.delete(pid); // gone
  }
}

/** Whether `pid` still runs: its state in /proc is not Z (zombie) or X (dead). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

function removeNow(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // exiting: nothing more can be done
  }
}
