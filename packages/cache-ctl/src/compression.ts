import { PassThrough, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { badInput } from '@iwp/core';

export type Compression = 'zstd' | 'xz' | 'bzip2' | 'none';

/** File extension nix uses for each compression. */
export const EXT: Record<Compression, string> = { zstd: '.zst', xz: '.xz', bzip2: '.bz2', none: '' };

// zstd as nix writes it (libzstd in-process, level 3, single-threaded, no checksum): the same
// bytes as `nix copy --to file://…?compression=zstd` with the same libzstd, whatever --jobs is
// (test/determinism.test.ts), and a quarter less CPU than zstd's threaded mode (-T1, -T2
// agree with each other but not with nix). Paths are compressed in parallel, not one NAR.
const TOOLS: Record<Exclude<Compression, 'none'>, { compress: string[]; decompress: string[] }> = {
  zstd: { compress: ['zstd', '-q', '-c', '-3', '--single-thread', '--no-check'], decompress: ['zstd', '-q', '-dc'] },
  xz: { compress: ['xz', '-c', '-6', '-T1'], decompress: ['xz', '-dc'] },
  bzip2: { compress: ['bzip2', '-c'], decompress: ['bzip2', '-dc'] },
};

/** The compressor's command line (none for `none`). */
export function compressor(c: Compression): string[] | undefined {
  return c === 'none' ? undefined : TOOLS[c].compress;
}

export function parseCompression(text: string, field = '--compression'): Compression {
  if (text === 'zstd' || text === 'xz' || text === 'none' || text === 'bzip2') return text;
  throw badInput(field, 'zstd, xz, bzip2 or none', text);
}

/** A compressor or decompressor process: write to `input`, read from `output`. */
export interface Codec {
  input: Writable;
  output: Readable;
  done: Promise<unknown>;
}

/**
 * The standard compressor (zstd, xz, bzip2 from the system) as a process whose stdin and
 * stdout are piped directly, so large NARs stream through and are never held in memory;
 * `none` is a pass-through. One thread each: `--jobs` paths are compressed in parallel.
 * A byte pipe, so not core's Runner (which collects a program's output rather than streaming
 * it in and out); pushes go through core's hashedFile instead (narstream.ts).
 */
export function codec(c: Compression, direction: 'compress' | 'decompress'): Codec {
  if (c === 'none') {
    const p = new PassThrough();
    return { input: p, output: p, done: Promise.resolve() };
  }
  const [cmd, ...args] = TOOLS[c][direction];
  const proc = execa(cmd!, args, { encoding: 'buffer', buffer: { stdout: false }, stdin: 'pipe', stdout: 'pipe' });
  return { input: proc.stdin!, output: proc.stdout!, done: proc };
}

