import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import type { HashedFileResult, HashedFileTask } from './hashed-file.js';
import { WorkerPool } from './workers.js';

export type { HashedFileResult, HashedFileTask } from './hashed-file.js';

export interface HashedPipeOptions {
  /** the command whose stdout is the input; without it the input is written to `stdin` */
  source?: string[];
  /** a filter the input goes through (a compressor); without it the output is the input */
  filter?: string[];
  /** a file the output is written to; without it the output is `stdout` */
  sink?: string;
}

export interface HashedPipe {
  child: ChildProcess;
  /** the input, when there is no `source` */
  stdin: Writable | null;
  /** the output, when there is no `sink` */
  stdout: Readable | null;
  /** sha256 (hex) of the input and of the output once every process exited 0 */
  done: Promise<{ input: string; output: string }>;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Source -> sha256 -> filter -> sha256 -> sink as one bash pipeline of the system's own tools
 * (tee and `openssl dgst`, which uses the CPU's SHA instructions, beside the compressor), so neither the hashing nor the compression
 * of the bytes runs on a JavaScript thread, and all of it runs on as many cores as there are
 * processes. The hashes come back on fds 3 and 4; `set -o pipefail` makes any failing
 * stage fail the whole. The hashing processes are the shell's own children, and it waits for
 * them: when the pipe's child has exited, every process it started has (and its CPU time is
 * counted as the caller's children's).
 */
export function hashedPipe(o: HashedPipeOptions): HashedPipe {
  const stages = [
    ...(o.source ? [o.source.map(quote).join(' ')] : []),
    'tee /dev/fd/5',
    ...(o.filter ? [o.filter.map(quote).join(' '), 'tee /dev/fd/6'] : []),
  ];
  const script = [
    'set -o pipefail',
    'exec 5> >(exec openssl dgst -sha256 -r >&3); a=$!',
    o.filter ? 'exec 6> >(exec openssl dgst -sha256 -r >&4); b=$!' : 'b=',
    `${stages.join(' | ')}${o.sink ? ` > ${quote(o.sink)}` : ''}`,
    's=$?',
    'exec 5>&- 6>&-',
    'wait $a $b',
    'exit $s',
  ].join('\n');
  const child = spawn('bash', ['-c', script], { stdio: [o.source ? 'ignore' : 'pipe', o.sink ? 'ignore' : 'pipe', 'pipe', 'pipe', 'pipe'] });
  const read = (fd: number) => new Promise<string>((resolve, reject) => {
    let text = '';
    const s = child.stdio[fd] as Readable;
    s.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve(text)).on('error', reject);
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
  const exit = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`${(o.source ?? o.filter ?? ['pipe'])[0]} pipeline failed (${signal ?? `exit ${code}`}): ${err.trim()}`))));
  });
  const done = Promise.all([read(3), read(4), exit]).then(([a, b]) => {
    const input = a.slice(0, 64);
    const output = o.filter ? b.slice(0, 64) : input;
    if (!/^[0-9a-f]{64}$/.test(input) || !/^[0-9a-f]{64}$/.test(output)) throw new Error(`openssl dgst gave no sha256 (${JSON.stringify(a + b).slice(0, 200)}): ${err.trim()}`);
    return { input, output };
  });
  return { child, stdin: child.stdin, stdout: child.stdout, done };
}

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
 * file itself; then it hashes the file from the page cache. Less CPU than hashedPipe's tees
 * and openssl processes (1.1 s against 1.3 s for `nix-store --dump | zstd -3` of a 215 MB
 * closure, of which 0.67 s is the dump and zstd), for outputs that go to a file anyway.
 */
export function hashedFile(task: HashedFileTask): Promise<HashedFileResult> {
  pool ??= new WorkerPool<HashedFileTask, HashedFileResult>(workerFile(), Math.max(MAX_THREADS, availableParallelism()));
  return pool.run(task);
}
