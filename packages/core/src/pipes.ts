import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { HashedFileResult, HashedFileTask } from './hashed-file.js';
import { WorkerPool } from './workers.js';

export type { HashedFileResult, HashedFileTask } from './hashed-file.js';

let pool: WorkerPool<HashedFileTask, HashedFileResult> | undefined;
/** threads start when needed, so callers set the concurrency (cache-ctl's --jobs) */
const MAX_THREADS = 8;

/** dist/pipe-worker.js beside this module; src/pipe-worker.ts under a TypeScript loader (tests) */
function workerFile(): URL {
  const js = new URL('./pipe-worker.js', import.meta.url);
  return existsSync(js) ? js : new URL('./pipe-worker.ts', import.meta.url);
}

/**
 * `source | filter > file` (a new file, created exclusively), the file hashed as it grows,
 * in a worker thread (started on first use, kept while the process runs, up to 8 at once):
 * the source writes into the filter directly and the filter's stdout is the file itself, so
 * no byte of the source crosses node, and the file is hashed from the page cache
 * (filter-file.ts) while it is written.
 */
export function hashedFile(task: HashedFileTask): Promise<HashedFileResult> {
  return threads().run(task);
}

/** Starts `n` of hashedFile's threads now, so they load while the caller does other work. */
export function warmHashedFile(n: number): void {
  threads().warm(n);
}

function threads(): WorkerPool<HashedFileTask, HashedFileResult> {
  pool ??= new WorkerPool<HashedFileTask, HashedFileResult>(workerFile(), Math.max(MAX_THREADS, availableParallelism()));
  return pool;
}
