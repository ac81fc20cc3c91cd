import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { HashedFileResult, HashedFileTask } from './hashed-file.js';
import { WorkerPool } from './workers.js';

export type { HashedFileResult, HashedFileTask } from './hashed-file.js';

let pool: WorkerPool<HashedFileTask, HashedFileResult> | undefined;
/** threads start when needed, so callers set the concurrency (cache-ctl's --jobs) */
const MAX_THREADS = 8;
/**
 * Tasks a thread runs at once: a task waits on its processes and hashes the file they write
 * (SHA-256 at ~1.8 GB/s here, a compressor writes ~0.2 GB/s), so one thread keeps up with
 * four; each thread more costs ~30 ms of CPU to start.
 */
const PER_THREAD = 4;

/** dist/pipe-worker.js beside this module; src/pipe-worker.ts under a TypeScript loader (tests) */
function workerFile(): URL {
  const js = new URL('./pipe-worker.js', import.meta.url);
  return existsSync(js) ? js : new URL('./pipe-worker.ts', import.meta.url);
}

/**
 * `source | filter > file` (a new file, created exclusively), the file hashed as it grows,
 * in a worker thread (started on first use, kept while the process runs, up to 8 threads of 4 tasks each):
 * the source writes into the filter directly and the filter's stdout is the file itself, so
 * no byte of the source crosses node, and the file is hashed from the page cache
 * (filter-file.ts) while it is written.
 */
export function hashedFile(task: HashedFileTask): Promise<HashedFileResult> {
  return threads().run(task);
}

/** Starts the threads `n` tasks at once will use now, so they load while the caller does other work. */
export function warmHashedFile(n: number): void {
  threads().warm(Math.ceil(n / PER_THREAD));
}

function threads(): WorkerPool<HashedFileTask, HashedFileResult> {
  pool ??= new WorkerPool<HashedFileTask, HashedFileResult>(workerFile(), Math.max(MAX_THREADS, availableParallelism()), PER_THREAD);
  return pool;
}
