import { PassThrough, type Readable, type Writable } from 'node:stream';
import { execa } from 'execa';
import { badInput } from '@iwp/core';

export type Compression = 'zstd' | 'xz' | 'bzip2' | 'none';

/** File extension nix uses for each compression. */
export const EXT: Record<Compression, string> = { zstd: '.zst', xz: '.xz', bzip2: '.bz2', none: '' };

/** The system's decompressors, for reading NARs back (verify.ts); pushes compress with nix itself (narstream.ts). */
const DECOMPRESS: Record<Exclude<Compression, 'none'>, string[]> = {
  zstd: ['zstd', '-q', '-dc'],
  xz: ['xz', '-dc'],
  bzip2: ['bzip2', '-dc'],
};

export function parseCompression(text: string, field = '--compression'): Compression {
  if (text === 'zstd' || text === 'xz' || text === 'none' || text === 'bzip2') return text;
  throw badInput(field, 'zstd, xz, bzip2 or none', text);
}

/** A decompressor process: write to `input`, read from `output`. */
export interface Codec {
  input: Writable;
  output: Readable;
  done: Promise<unknown>;
}

/**
 * A decompressor (zstd, xz, bzip2 from the system) as a process whose stdin and stdout are
 * piped directly, so large NARs stream through and are never held in memory; `none` is a
 * pass-through. A byte pipe, so not core's Runner, which collects a program's output
 * rather than streaming it in and out.
 */
export function decompressor(c: Compression): Codec {
  if (c === 'none') {
    const p = new PassThrough();
    return { input: p, output: p, done: Promise.resolve() };
  }
  const [cmd, ...args] = DECOMPRESS[c];
  const proc = execa(cmd!, args, { encoding: 'buffer', buffer: { stdout: false }, stdin: 'pipe', stdout: 'pipe' });
  return { input: proc.stdin!, output: proc.stdout!, done: proc };
}
