import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { WorkerPool } from '@iwp/core/workers';
import type { Compression } from './compression.js';
import type { NarTask } from './nar-worker.js';
import type { NarZstd } from './nar-zstd.js';

let built: boolean | undefined;
/** zstd-napi's native binding is there (pnpm install builds it; nar-zstd.ts loads it). */
function bindingBuilt(): boolean {
  if (built === undefined) {
    try {
      const pkg = createRequire(import.meta.url).resolve('zstd-napi/package.json');
      built = existsSync(join(dirname(pkg), 'build', 'Release', 'binding.node'));
    } catch {
      built = false;
    }
  }
  return built;
}

/**
 * Whether a push makes its NARs on worker threads (nar-zstd.ts) rather than with nix copy
 * (narstream.ts): for zstd, when the binding is built, unless `IWP_NAR_COMPRESSOR=nix`.
 * Each path is then read once, where nix copy and the check of its contents
 * (local-verify.ts) read it twice in two processes.
 */
export function inWorkers(compression: Compression, env: NodeJS.ProcessEnv = process.env): boolean {
  return compression === 'zstd' && env.IWP_NAR_COMPRESSOR !== 'nix' && bindingBuilt();
}

/** dist/nar-worker.js, beside this module in dist/ (the bundled CLI resolves it there too), or from src/ (tests) */
function workerFile(): URL {
  const here = new URL('./nar-worker.js', import.meta.url);
  return existsSync(here) ? here : new URL('../dist/nar-worker.js', import.meta.url);
}

let pool: WorkerPool<NarTask, NarZstd> | undefined;
const threads = () => (pool ??= new WorkerPool<NarTask, NarZstd>(workerFile(), availableParallelism()));

/** Starts the worker threads, so that they have loaded by the time the first NAR is asked for. */
export function warmNarWorkers(): void {
  threads().warm();
}

/** The NAR of `path`, compressed with zstd into the new file `file` on a worker thread: its NAR hash and size as computed, and the file's. */
export async function narInWorker(path: string, file: string): Promise<NarZstd & { file: string }> {
  return { ...(await threads().run({ path, dest: file })), file };
}
