// What a thread of core's hashedFile (pipes.ts, pipe-worker.ts) does: it reads the source
// process's pipe, hashes it and feeds the filter, whose output goes straight into the file;
// then it hashes the file. Only node's own modules: a worker starts with little to load.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface HashedFileTask {
  source: string[];
  filter?: string[];
  sink: string;
}

export interface HashedFileResult {
  /** sha256 (hex) of the source's output and of the file written */
  input: string;
  output: string;
  /** bytes of the file */
  size: number;
}

const CHUNK = 1 << 20;

function exited(child: ChildProcess, name: string): Promise<void> {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${name} failed (${signal ?? `exit ${code}`}): ${err.trim()}`))));
  });
}

/** sha256 (hex) and size of a file, read in large chunks */
async function hashFile(path: string): Promise<{ hex: string; size: number }> {
  const h = createHash('sha256');
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let size = 0;
    for (let n; (n = (await fh.read(buf, 0, CHUNK, null)).bytesRead) > 0; size += n) h.update(buf.subarray(0, n));
    return { hex: h.digest('hex'), size };
  } finally {
    await fh.close();
  }
}

/** source -> sha256 (here) -> filter -> the new file `sink` (created exclusively) -> sha256 */
export async function writeHashedFile(t: HashedFileTask): Promise<HashedFileResult> {
  const file = await open(t.sink, 'wx', 0o644);
  const input = createHash('sha256');
  try {
    const src = spawn(t.source[0]!, t.source.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    const steps = [exited(src, t.source[0]!)];
    let into: Writable;
    if (t.filter) {
      const filter = spawn(t.filter[0]!, t.filter.slice(1), { stdio: ['pipe', file.fd, 'pipe'] });
      steps.unshift(exited(filter, t.filter[0]!));
      into = filter.stdin!;
    } else {
      const writeAll = async (c: Buffer) => {
        for (let o = 0; o < c.length; ) o += (await file.write(c, o, c.length - o, null)).bytesWritten;
      };
      into = new Writable({ write: (c: Buffer, _e, cb) => void writeAll(c).then(() => cb(), cb) });
    }
    const hashed = async function* (chunks: AsyncIterable<Buffer>) {
      for await (const c of chunks) {
        input.update(c);
        yield c;
      }
    };
    // every stage settles (a failing one stops the others); a filter's failure breaks the
    // source's pipe, so its message comes first, then the source's, then the pipe's
    const settled = await Promise.allSettled([...steps, pipeline(src.stdout!, hashed, into)].map((p) => p.catch((err: unknown) => {
      src.kill();
      throw err;
    })));
    const errors = settled.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
    if (errors.length) throw errors.find((e) => !/\(SIGTERM\)/.test(e.message)) ?? errors[0];
  } finally {
    await file.close();
  }
  const out = await hashFile(t.sink);
  return { input: input.digest('hex'), output: out.hex, size: out.size };
}
