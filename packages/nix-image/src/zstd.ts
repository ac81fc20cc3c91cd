// zstd layers: the tar is hashed on its way into the system's zstd (single-threaded: the same
// bytes on every machine), whose stdout is the blob file, hashed as it grows (core's
// filterToFile): no other process, each byte crosses one pipe as in `tar | zstd`, and nothing
// is left to hash when zstd ends.
import { rm } from 'node:fs/promises';
import { filterToFile } from '@iwp/core/hashing';
import type { Pack } from 'tar-stream';

export interface Hashed {
  /** sha256 of the compressed blob */
  digest: string;
  /** sha256 of the uncompressed tar */
  diffId: string;
  size: number;
}

/** `zstd -3 --single-thread` of `tar` into `dest`, with both hashes. */
export async function zstdInto(tar: Pack, dest: string): Promise<Hashed> {
  await rm(dest, { force: true });
  // a streamx Readable: async-iterable like node's, which its types do not say
  const h = await filterToFile(tar as unknown as AsyncIterable<Buffer>, ['zstd', '-q', '-3', '--single-thread', '-c'], dest);
  return { digest: `sha256:${h.output}`, diffId: `sha256:${h.input}`, size: h.size };
}
