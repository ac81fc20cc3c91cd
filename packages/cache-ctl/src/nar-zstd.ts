import { createHash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Zstd from 'zstd-napi/binding.js';
import { toNix32 } from './nix32.js';
import { writeNar } from './nar-writer.js';

/** What nar-zstd made of a path: its NAR's hash and size as computed, and the compressed file's. */
export interface NarZstd {
  /** `sha256:<nix32>`, as the local store writes a NAR hash */
  narHash: string;
  narSize: number;
  /** sha256 (hex) of the compressed file */
  fileSha256: string;
  fileSize: number;
}

/**
 * zstd's level when nix is given none (libarchive's default, 3): `nix copy --to
 * file://…?compression=zstd` writes these same bytes for a NAR (the bench's 54 MB NAR:
 * byte for byte, nar-zstd.test.ts).
 */
export const ZSTD_LEVEL = 3;

let binding: typeof Zstd | undefined;
let kept: { cctx: Zstd.CCtx; out: Buffer } | undefined;
/** libzstd, through zstd-napi's native binding (built by pnpm install). */
function zstd(): typeof Zstd {
  return (binding ??= createRequire(import.meta.url)('zstd-napi/binding') as typeof Zstd);
}

/**
 * The NAR of `path` (nar-writer.ts) compressed with zstd into the file `dest`, in one pass
 * on this thread: each chunk of the NAR is hashed (the NAR hash, to compare with the one the
 * local store registered), compressed by libzstd, and the compressed bytes hashed as they are
 * written. No pipe and no second read of the path: what `nix copy` and `nix-store
 * --verify-path` of the path do in two passes and two processes. Once `stopped()` is true it
 * throws an AbortError at the next chunk (of at most 1 MiB); the caller removes `dest`.
 */
export function narToZstd(path: string, dest: string, level = ZSTD_LEVEL, stopped?: () => boolean): NarZstd {
  const z = zstd();
  // one context and one output buffer a thread, reused from NAR to NAR: a closure is mostly
  // small paths, and a context costs more to make than a small NAR to compress
  const { cctx, out } = (kept ??= { cctx: new z.CCtx(), out: Buffer.allocUnsafe(1 << 20) });
  cctx.reset(z.ResetDirective.sessionAndParameters);
  cctx.setParameter(z.CParameter.compressionLevel, level);
  const narHash = createHash('sha256');
  const fileHash = createHash('sha256');
  const fd = openSync(dest, 'wx');
  let narSize = 0;
  let fileSize = 0;
  const emit = (n: number) => {
    if (n === 0) return;
    const b = out.subarray(0, n);
    fileHash.update(b);
    for (let off = 0; off < n; ) off += writeSync(fd, b, off, n - off);
    fileSize += n;
  };
  try {
    writeNar(path, (chunk) => {
      // a push that no longer wants this NAR (the cache has the path) ends it within a chunk
      if (stopped?.()) throw new DOMException(`the NAR of ${path} is no longer wanted`, 'AbortError');
      narHash.update(chunk);
      narSize += chunk.length;
      for (let off = 0; off < chunk.length; ) {
        const [, produced, consumed] = cctx.compressStream2(out, chunk.subarray(off), z.EndDirective.continue);
        emit(produced);
        off += consumed;
      }
    });
    for (let left = 1; left !== 0; ) {
      const [ret, produced] = cctx.compressStream2(out, Buffer.alloc(0), z.EndDirective.end);
      emit(produced);
      left = ret;
    }
  } finally {
    closeSync(fd);
  }
  return { narHash: `sha256:${toNix32(narHash.digest())}`, narSize, fileSha256: fileHash.digest('hex'), fileSize };
}
