// What a thread of core's hashedFile (pipes.ts, pipe-worker.ts) does: it reads the source
// process's pipe, hashes it and feeds the filter, whose output goes straight into the file,
// hashed as it grows (filter-file.ts). Only node's own modules: a worker starts with little
// to load.
import { spawn } from 'node:child_process';
import { exitOf, filterToFile, type FilteredFile } from './filter-file.js';

export interface HashedFileTask {
  source: string[];
  /** a filter (a compressor); without it the file is the source's output */
  filter?: string[];
  sink: string;
}

export type HashedFileResult = FilteredFile;

/** source -> sha256 (here) -> filter -> the new file `sink` (created exclusively) -> sha256 */
export async function writeHashedFile(t: HashedFileTask): Promise<HashedFileResult> {
  const src = spawn(t.source[0]!, t.source.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = (err: unknown) => {
    src.kill();
    throw err;
  };
  // every stage settles (a failing one stops the others); a filter's failure breaks the
  // source's pipe, so its message comes first, then the source's
  const settled = await Promise.allSettled([filterToFile(src.stdout!, t.filter ?? ['cat'], t.sink).catch(stop), exitOf(src, t.source[0]!).catch(stop)]);
  const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (errors.length) throw errors.find((e) => !/\(SIGTERM\)/.test(e.message)) ?? errors[0];
  return (settled[0] as PromiseFulfilledResult<FilteredFile>).value;
}
