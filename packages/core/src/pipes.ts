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
 * Source -> sha256 -> filter -> a new file (created exclusively) -> sha256, in a worker
 * thread (started on first use, kept while the process runs, up to 8 at once): the thread
 * reads the source process's pipe, hashes it and writes it to the filter, whose stdout is the
 * file itself; the file is hashed as it grows, from the page cache (filter-file.ts). Less CPU than
 * `tee`s and `openssl dgst` processes beside the compressor: each byte crosses one pipe.
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
