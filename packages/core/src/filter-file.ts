// Bytes -> sha256 -> a filter process (a compressor) whose stdout is a new file, which is
// hashed as it grows: each byte crosses one pipe, as in `tar | zstd > file`, and nothing is
// left to hash when the filter ends. nix-image writes its zstd layers this way, in its layer
// threads. Only node's own modules: a worker thread starts with little to load, and the CLIs
// import it at start-up.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';

export interface FilteredFile {
  /** sha256 (hex) of the bytes that went in and of the file written */
  input: string;
  output: string;
  /** bytes of the file */
  size: number;
}

const CHUNK = 1 << 20;
const YIELD_EVERY = 16 * CHUNK;

/** Settles when `child` has exited: rejects unless it exited 0, with the tail of its stderr. */
export function exitOf(child: ChildProcess, name: string): Promise<void> {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${name} failed (${signal ?? `exit ${code}`}): ${err.trim()}`))));
  });
}

/**
 * sha256 (hex) and size of a file another process writes front to back, until `written`
 * settles: what is there is read as it appears (from the page cache); once the writer has
 * ended, to the end. Rejects if `written` does.
 *
 * The reads are synchronous: a 1 MiB read from the page cache takes a fraction of a
 * millisecond, while one through libuv's thread pool costs a round trip of threads and
 * promises (7 ms less CPU for each 40 MB file, measured). The event loop gets its turn
 * every 16 MiB and whenever the reader has caught up with the writer.
 */
export async function hashGrowing(path: string, written: Promise<unknown>): Promise<{ hex: string; size: number }> {
  let ended = false;
  written.then(() => { ended = true; }, () => { ended = true; });
  const fd = openSync(path, 'r');
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  let size = 0;
  try {
    for (let sinceYield = 0; ; ) {
      const last = ended; // read to the end once more after the writer is gone
      const n = readSync(fd, buf, 0, buf.length, size);
      if (n > 0) {
        h.update(buf.subarray(0, n));
        size += n;
        if ((sinceYield += n) >= YIELD_EVERY) {
          sinceYield = 0;
          await setImmediate();
        }
      } else if (last) break;
      else await sleep(2);
    }
  } finally {
    closeSync(fd);
  }
  await written;
  return { hex: h.digest('hex'), size };
}

/**
 * `input` -> sha256 -> `filter`, whose stdout is the new file `dest` (created exclusively,
 * mode 0644) -> sha256 as it grows. When several stages fail, the filter's message wins: its
 * failure breaks the pipe the input is written to.
 */
export async function filterToFile(input: NodeJS.ReadableStream | AsyncIterable<Buffer | string>, filter: string[], dest: string): Promise<FilteredFile> {
  // synchronously up to the pipeline below: a child process's output that nobody reads by
  // the time it exits is thrown away by node, so `input` must not wait for an await here
  const fd = openSync(dest, 'wx', 0o644);
  let child: ChildProcess;
  try {
    child = spawn(filter[0]!, filter.slice(1), { stdio: ['pipe', fd, 'pipe'] });
  } finally {
    closeSync(fd); // the child has its own copy of the descriptor
  }
  const exit = exitOf(child, filter[0]!);
  const inHash = createHash('sha256');
  const hashed = async function* (chunks: AsyncIterable<Buffer | string>) {
    for await (const c of chunks) {
      inHash.update(c);
      yield c;
    }
  };
  const [fed, exited, out] = await Promise.allSettled([pipeline(input, hashed, child.stdin!), exit, hashGrowing(dest, exit)]);
  if (exited.status === 'rejected') throw exited.reason;
  if (fed.status === 'rejected') throw fed.reason;
  if (out.status === 'rejected') throw out.reason;
  return { input: inHash.digest('hex'), output: out.value.hex, size: out.value.size };
}
