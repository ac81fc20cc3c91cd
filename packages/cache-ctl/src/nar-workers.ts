import { fileURLToPath, pathToFileURL } from 'node:url';
import { availableParallelism } from 'node:os';
import coreEarly from '@iwp/core/early';
import { WorkerPool } from '@iwp/core/workers';
import type { Compression } from './compression.js';
import early from './early.cjs';
import type { NarTask } from './nar-worker.js';
import type { NarZstd } from './nar-zstd.js';

/** The package's root, above dist/ (and src/, for the tests): dist/nar-worker.js is the threads' module either way. */
const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Whether a push makes its NARs on worker threads (nar-zstd.ts; early.cts, narsInWorkers, says
 * when). Each path is then read once, where nix copy and the check of its contents
 * (local-verify.ts) read it twice in two processes.
 */
export function inWorkers(compression: Compression, env: NodeJS.ProcessEnv = process.env): boolean {
  return early.narsInWorkers(root, compression, env);
}

let pool: WorkerPool<NarTask, NarZstd> | undefined;
/** One thread a core: those bin/run.js started before the bundle loaded (early.cts), adopted; others as needed. */
function threads(): WorkerPool<NarTask, NarZstd> {
  if (!pool) {
    const file = early.narWorkerFile(root);
    pool = new WorkerPool<NarTask, NarZstd>(pathToFileURL(file), availableParallelism());
    pool.adopt(coreEarly.takeEarlyWorkers(file));
  }
  return pool;
}

/** Starts the worker threads not started yet, so that they have loaded by the time the first NAR is asked for. */
export function warmNarWorkers(): void {
  threads().warm();
}

/**
 * The NAR of `path`, compressed with zstd into the new file `file` on a worker thread: its NAR
 * hash and size as computed, and the file's. Once `signal` aborts it fails (AbortError): at
 * once if it has not started, else within a chunk (nar-zstd.ts).
 */
export async function narInWorker(path: string, file: string, signal?: AbortSignal): Promise<NarZstd & { file: string }> {
  return { ...(await threads().run({ path, dest: file }, signal)), file };
}
