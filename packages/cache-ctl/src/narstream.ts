import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import pLimit from 'p-limit';
import { dirname, join } from 'node:path';
import { FileStore, hashedFile, warmHashedFile, type ObjectStore } from '@iwp/core';

export interface StreamedNar {
  /** sha256 (hex) of the stored (compressed) bytes */
  fileSha256: string;
  fileSize: number;
}

/**
 * NARs compressed at once: into a directory as many as there are cores (each pipeline keeps
 * one busy with its compressor); bound for a remote store one core fewer, which is left to
 * the uploads (signing, TLS, the network stack; the server, when it runs here). The first
 * NARs then finish, and their uploads start, while the next ones compress, instead of all
 * finishing together and then waiting for the network; and no more threads start than can
 * run. (Into the S3 emulator on 2 cores: 1.94 s against 2.1-2.27 s with 2 at once.)
 */
const cores = availableParallelism();
const compressing = pLimit(cores);
const compressingForUpload = pLimit(Math.max(1, cores - 1));
/**
 * A NAR this small takes no place among those: it costs its two processes' start (~20 ms of
 * CPU), not a core. Pushed first (push.ts), it is done while the first large ones compress,
 * instead of waiting for a place behind them and ending the push alone.
 */
export const SMALL_NAR = 1 << 20;
const placed = <T>(limit: (fn: () => Promise<T>) => Promise<T>, narSize: number, fn: () => Promise<T>) => (narSize <= SMALL_NAR ? fn() : limit(fn));

/** Starts the threads the next `nars` NAR streams will use while the caller does other work. */
export function warmNarStreams(nars: number): void {
  warmHashedFile(Math.min(nars, cores));
}

/** The directory of a `file://` store, whose objects are plain files under it. */
function localDir(store: ObjectStore): string | undefined {
  return store instanceof FileStore ? store.url.slice('file://'.length) : undefined;
}

/**
 * `nix-store --dump | filter > file`, the file hashed as it grows (core's `hashedFile`, in a
 * worker thread): the NAR goes from nix into the compressor directly, never through node.
 * (The NAR hash is checked by local-verify.ts, beside the push.) Into a directory the file
 * is the object, under a temp name, then renamed. Elsewhere (S3) the file is a temp file,
 * sent as one PutObject signed with the hash already known (`putFile`), as nix's own S3
 * store compresses before it uploads: the body is not hashed again, and a retry reads it
 * again instead of running nix once more.
 */
export async function streamNar(store: ObjectStore, path: string, narSize: number, filter: string[] | undefined, key: string): Promise<StreamedNar> {
  const dir = localDir(store);
  const task = { source: ['nix-store', '--dump', path], ...(filter ? { filter } : {}) };
  if (dir) {
    const dest = join(dir, ...key.split('/'));
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const h = await placed(compressing, narSize, () => hashedFile({ ...task, sink: tmp }));
      await rename(tmp, dest);
      return { fileSha256: h.sha256, fileSize: h.size };
    } finally {
      await rm(tmp, { force: true });
    }
  }
  const tmp = await mkdtemp(join(tmpdir(), 'iwp-nar-'));
  try {
    const h = await placed(compressingForUpload, narSize, () => hashedFile({ ...task, sink: join(tmp, 'nar') }));
    await store.putFile(key, join(tmp, 'nar'), { size: h.size, sha256: h.sha256, contentType: 'application/x-nix-nar' });
    return { fileSha256: h.sha256, fileSize: h.size };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
