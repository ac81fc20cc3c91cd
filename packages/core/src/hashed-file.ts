// What a thread of core's hashedFile (pipes.ts, pipe-worker.ts) does: the source process
// writes into the filter process directly, as in `source | filter > file`, and the file is
// hashed as it grows (filter-file.ts). No byte of the source passes through node. Only
// node's own modules: a worker starts with little to load.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { exitOf, hashGrowing } from './filter-file.js';

export interface HashedFileTask {
  source: string[];
  /** a filter (a compressor); without it the file is the source's output */
  filter?: string[];
  sink: string;
}

export interface HashedFileResult {
  /** sha256 (hex) and size of the file written */
  sha256: string;
  size: number;
}

/** source | filter > the new file `sink` (created exclusively, mode 0644), hashed as it grows */
export async function writeHashedFile(t: HashedFileTask): Promise<HashedFileResult> {
  const fd = openSync(t.sink, 'wx', 0o644);
  const procs: Array<{ child: ChildProcess; name: string }> = [];
  try {
    const src = spawn(t.source[0]!, t.source.slice(1), { stdio: ['ignore', t.filter ? 'pipe' : fd, 'pipe'] });
    procs.push({ child: src, name: t.source[0]! });
    if (t.filter) {
      procs.unshift({ child: spawn(t.filter[0]!, t.filter.slice(1), { stdio: [src.stdout!, fd, 'pipe'] }), name: t.filter[0]! });
      src.stdout!.destroy(); // the filter holds the pipe now; this end would keep it open
    }
  } finally {
    closeSync(fd); // the children have their own copies of the descriptor
  }
  // a failing stage stops the others; the filter's message comes first (its failure breaks
  // the source's pipe), then the source's
  const exits = procs.map(({ child, name }) =>
    exitOf(child, name).catch((err: unknown) => {
      for (const p of procs) p.child.kill();
      throw err;
    }),
  );
  const [hashed, ...exited] = await Promise.allSettled([hashGrowing(t.sink, Promise.allSettled(exits)), ...exits]);
  const errors = exited.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (errors.length) throw errors.find((e) => !/\((SIGTERM|SIGPIPE)\)/.test(e.message)) ?? errors[0];
  if (hashed.status === 'rejected') throw hashed.reason;
  return { sha256: hashed.value.hex, size: hashed.value.size };
}
