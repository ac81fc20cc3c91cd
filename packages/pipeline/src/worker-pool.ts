import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, IwpError } from '@iwp/core';

// Workers always run the compiled package (dist/), also when this module is loaded from src/.
const distDir = fileURLToPath(new URL('../dist/', import.meta.url));
export const workerEntry = join(distDir, 'worker', 'main.js');
const registerEntry = join(distDir, 'worker', 'register.js');

export function assertWorkerBuilt(): void {
  if (!existsSync(workerEntry)) {
    throw new IwpError(ErrorCode.FAILED, `pipeline worker not built (${workerEntry} missing)`, { hint: 'run `pnpm exec tsc -b` at the repository root' });
  }
}

/** Starts a worker process; it waits for its run on the IPC channel. */
export function forkWorker(): ChildProcess {
  assertWorkerBuilt();
  return fork(workerEntry, [], {
    execArgv: ['--import', registerEntry],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: process.env,
    serialization: 'advanced',
  });
}

/**
 * Keeps workers started ahead of need, so a webhook's run does not wait for Node, the
 * TypeScript loader and the runtime to load (most of the time from webhook to script).
 * Each worker serves one run; taking one starts its replacement.
 */
export class WorkerPool {
  private readonly idle: ChildProcess[] = [];
  private closed = false;

  constructor(private readonly spares = 1) {
    for (let i = 0; i < spares; i++) this.refill();
  }

  take(): ChildProcess {
    let w = this.idle.shift();
    while (w && (w.exitCode !== null || w.signalCode !== null || !w.connected)) w = this.idle.shift();
    if (!this.closed) this.refill();
    return w ?? forkWorker();
  }

  close(): void {
    this.closed = true;
    for (const w of this.idle.splice(0)) w.kill();
  }

  private refill(): void {
    while (!this.closed && this.idle.length < this.spares) {
      const w = forkWorker();
      // an idle worker must not keep the process alive, nor leak its pipes
      w.unref();
      w.channel?.unref();
      (w.stdout as unknown as { unref?: () => void })?.unref?.();
      (w.stderr as unknown as { unref?: () => void })?.unref?.();
      w.on('exit', () => {
        const i = this.idle.indexOf(w);
        if (i >= 0) this.idle.splice(i, 1);
      });
      this.idle.push(w);
    }
  }
}
