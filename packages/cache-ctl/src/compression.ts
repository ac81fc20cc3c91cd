import { PassThrough, type Duplex } from 'node:stream';
import { execa } from 'execa';
import { badInput } from '@iwp/core';

export type Compression = 'zstd' | 'xz' | 'bzip2' | 'none';

/** File extension nix uses for each compression. */
export const EXT: Record<Compression, string> = { zstd: '.zst', xz: '.xz', bzip2: '.bz2', none: '' };

const TOOLS: Record<Exclude<Compression, 'none'>, { compress: string[]; decompress: string[] }> = {
  zstd: { compress: ['zstd', '-q', '-c', '-3', '-T0'], decompress: ['zstd', '-q', '-dc'] },
  xz: { compress: ['xz', '-c', '-6', '-T0'], decompress: ['xz', '-dc'] },
  bzip2: { compress: ['bzip2', '-c'], decompress: ['bzip2', '-dc'] },
};

export function parseCompression(text: string, field = '--compression'): Compression {
  if (text === 'zstd' || text === 'xz' || text === 'none' || text === 'bzip2') return text;
  throw badInput(field, 'zstd, xz, bzip2 or none', text);
}

/**
 * A duplex stream through the standard compressor (zstd, xz, bzip2 from the system), so large
 * NARs are never held in memory; `none` is a pass-through.
 */
export function codec(c: Compression, direction: 'compress' | 'decompress'): Duplex {
  if (c === 'none') return new PassThrough();
  const [cmd, ...args] = TOOLS[c][direction];
  return execa(cmd!, args, { encoding: 'buffer' }).duplex();
}
