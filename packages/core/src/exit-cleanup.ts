// Paths a command removes itself when it is done with them, and that must not outlive it when
// it ends otherwise: interrupted (Ctrl-C, SIGTERM from a CI runner's timeout, SIGHUP) or
// exiting from an error its own cleanup never reached. signal-exit (execa stops its
// subprocesses the same way) runs the removals and then lets the signal end the process as it
// would have (exit 130 for SIGINT, 143 for SIGTERM). Only SIGKILL leaves them.
import { rmSync } from 'node:fs';
import { onExit } from 'signal-exit';

const paths = new Set<string>();
let hooked = false;

/**
 * Removes `path` (recursively) when the process exits or is ended by a signal, unless the
 * returned function is called first (the command removed it itself).
 */
export function removedAtExit(path: string): () => void {
  paths.add(path);
  if (!hooked) {
    hooked = true;
    onExit(() => {
      for (const p of paths) removeNow(p);
    });
  }
  return () => void paths.delete(path);
}

function removeNow(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // exiting: nothing more can be done
  }
}
