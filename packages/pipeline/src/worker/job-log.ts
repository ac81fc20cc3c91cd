import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LineSplitter, type Masker } from '../mask.js';

const STDOUT_LIMIT = 64 * 1024;

/**
 * A job's output: split into lines (so a secret is never cut in two before masking),
 * masked, appended to the job's log file, kept (stdout, last 64 KiB) for the record and
 * passed on line by line.
 */
export class JobLog {
  private file: WriteStream | undefined;
  private stdout = '';
  private readonly split = { stdout: new LineSplitter(), stderr: new LineSplitter() };

  constructor(
    private readonly path: string,
    private readonly masker: Masker,
    private readonly onLine: (stream: 'stdout' | 'stderr', line: string) => void,
  ) {}

  async open(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    this.file = createWriteStream(this.path, { flags: 'a' });
  }

  write(stream: 'stdout' | 'stderr', chunk: string): void {
    for (const l of this.split[stream].push(chunk)) this.line(stream, l);
  }

  /** flushes and closes; returns the job's stdout for the record */
  async close(): Promise<string> {
    for (const s of ['stdout', 'stderr'] as const) for (const l of this.split[s].flush()) this.line(s, l);
    await new Promise<void>((resolve) => (this.file ? this.file.end(resolve) : resolve()));
    return this.stdout.replace(/\n$/, '');
  }

  private line(stream: 'stdout' | 'stderr', raw: string): void {
    const line = this.masker.mask(raw);
    this.file?.write(`${line}\n`);
    if (stream === 'stdout') this.stdout = (this.stdout + line + '\n').slice(-STDOUT_LIMIT);
    this.onLine(stream, line);
  }
}
