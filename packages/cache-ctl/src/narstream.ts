import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { FileStore, hashedFile, hashedPipe, type ObjectStore } from '@iwp/core';

export interface StreamedNar {
  /** sha256 (hex) of the NAR and of the stored (compressed) bytes */
  narSha256: string;
  fileSha256: string;
  fileSize: number;
}

/** The directory of a `file://` store, whose objects are plain files under it. */
function localDir(store: ObjectStore): string | undefined {
  return store instanceof FileStore ? store.url.slice('file://'.length) : undefined;
}

/**
 * `nix-store --dump` -> sha256 -> filter -> sha256 -> the store under `key`, streamed once;
 * hashing and compression never on the main thread. Into a directory the filter writes the
 * object's file itself (temp name, then rename) and a worker thread hashes (core's
 * `hashedFile`); into S3 the compressed bytes stream to the upload from `tee`s and `openssl`
 * beside the compressor (core's `hashedPipe`).
 */
export async function streamNar(store: ObjectStore, path: string, filter: string[] | undefined, key: string): Promise<StreamedNar> {
  const dir = localDir(store);
  if (dir) {
    const dest = join(dir, ...key.split('/'));
    await mkdir(dirname(dest), { recursive: true });
    const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      const h = await hashedFile({ source: ['nix-store', '--dump', path], ...(filter ? { filter } : {}), sink: tmp });
      await rename(tmp, dest);
      return { narSha256: h.input, fileSha256: h.output, fileSize: h.size };
    } finally {
      await rm(tmp, { force: true });
    }
  }
  const pipe = hashedPipe({ source: ['nix-store', '--dump', path], filter });
  let fileSize = 0;
  const counted = pipe.stdout!.pipe(new Transform({ transform: (c: Buffer, _e, cb) => { fileSize += c.length; cb(null, c); } }));
  try {
    const [h] = await Promise.all([pipe.done, store.putStream(key, counted, { contentType: 'application/x-nix-nar' })]);
    return { narSha256: h.input, fileSha256: h.output, fileSize };
  } catch (err) {
    pipe.child.kill();
    counted.destroy();
    throw err;
  }
}
