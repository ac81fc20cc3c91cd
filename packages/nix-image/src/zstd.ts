// zstd layers: the tar is hashed on its way into the system's zstd (single-threaded: the same
// bytes on every machine), zstd writes the blob file itself, and the blob is hashed as it
// grows (read back from the page cache while zstd still compresses): no other process, each
// byte crosses one pipe as in `tar | zstd`, and nothing is left to hash when zstd ends.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { HashCounter } from '@iwp/core/hashing';
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
  await rm(dest, { force: true }); // the file read below is the one zstd creates
  const z = spawn('zstd', ['-q', '-3', '--single-thread', '-f', '-o', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
  let err = '';
  z.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-2000); });
  const exit = new Promise<void>((resolve, reject) => {
    z.on('error', reject);
    z.on('close', (code, signal) => (code === 0 ? resolve() : reject(new Error(`zstd failed (${signal ?? `exit ${code}`}): ${err.trim()}`))));
  });
  const diff = new HashCounter();
  const [, , out] = await Promise.all([pipeline(tar, diff, z.stdin), exit, hashGrowing(dest, exit)]);
  return { digest: `sha256:${out.hex}`, diffId: `sha256:${diff.digest().toString('hex')}`, size: out.size };
}

/**
 * sha256 and size of a file that another process writes front to back, until `written`
 * settles: what is there is read as it appears; after the writer ended, to the end.
 */
async function hashGrowing(path: string, written: Promise<void>): Promise<{ hex: string; size: number }> {
  let ended = false;
  written.then(() => { ended = true; }, () => { ended = true; });
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  while (!fh) {
    const last = ended;
    fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT' || last) throw e;
      return undefined;
    });
    if (!fh) await sleep(5);
  }
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  let size = 0;
  try {
    for (;;) {
      const last = ended; // read to the end once more after the writer is gone
      const { bytesRead } = await fh.read(buf, 0, buf.length, size);
      if (bytesRead > 0) {
        h.update(buf.subarray(0, bytesRead));
        size += bytesRead;
      } else if (last) break;
      else await sleep(5);
    }
  } finally {
    await fh.close();
  }
  await written; // a failed zstd fails the layer
  return { hex: h.digest('hex'), size };
}
