import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pMap from 'p-map';
import { ErrorCode, HashCounter, IwpError } from '@iwp/core';
import type { BinaryCache } from './cache.js';
import { codec, EXT, type Compression } from './compression.js';
import { signFingerprint, type SecretKey } from './keys.js';
import { dumpPath, queryPathInfo, topoOrder, type PathInfo } from './localstore.js';
import { fingerprint, hashPart, type NarInfo } from './narinfo.js';
import { fromNix32, toNix32 } from './nix32.js';

export interface PushOptions {
  key: SecretKey;
  compression: Compression;
  jobs: number;
  /** push even what the cache already has (repair) */
  force?: boolean;
  onPath?: (path: string, bytes: number) => void;
}

export interface PushResult {
  paths: number;
  uploaded: number;
  skipped: number;
  bytes: number;
  storePaths: string[];
}

/**
 * Pushes the closures of `paths`: one existence check for the whole closure, then only the
 * missing paths, dependencies first. Each NAR is streamed from `nix-store --dump` through
 * the compressor into the store (multipart when large) while its hash is checked against
 * the local store's; its narinfo, signed, is written only after the NAR is in place.
 */
export async function pushClosure(cache: BinaryCache, paths: string[], opts: PushOptions): Promise<PushResult> {
  const infos = await queryPathInfo(paths, true);
  const present = opts.force ? new Set<string>() : await cache.exists(infos.map((i) => hashPart(i.path)));
  const missing = infos.filter((i) => !present.has(hashPart(i.path)));
  let bytes = 0;
  for (const level of topoOrder(missing)) {
    // small paths first: an interrupted push has then completed as many paths as it could
    await pMap(
      level.sort((a, b) => a.narSize - b.narSize),
      async (info) => {
        const n = await pushPath(cache, info, opts);
        bytes += n;
        opts.onPath?.(info.path, n);
      },
      { concurrency: opts.jobs },
    );
  }
  return { paths: infos.length, uploaded: missing.length, skipped: infos.length - missing.length, bytes, storePaths: infos.map((i) => i.path).sort() };
}

/** One path: NAR first, narinfo last. Returns the bytes uploaded. */
export async function pushPath(cache: BinaryCache, info: PathInfo, opts: Pick<PushOptions, 'key' | 'compression'>): Promise<number> {
  const narHash32 = info.narHash.slice('sha256:'.length);
  const narKey = `nar/${narHash32}.nar${EXT[opts.compression]}`;
  const nar = new HashCounter();
  const file = new HashCounter();
  const dump = dumpPath(info.path);
  const upload = cache.store.putStream(narKey, file, { contentType: 'application/x-nix-nar' });
  try {
    const c = codec(opts.compression, 'compress');
    await Promise.all([pipeline(dump.stdout!, nar, c.input), pipeline(c.output, file), c.done, upload, dump]);
  } catch (err) {
    dump.kill();
    file.destroy();
    throw new IwpError(ErrorCode.FAILED, `pushing ${info.path}: ${(err as Error).message}`, { cause: err });
  }
  const got = nar.digest();
  if (!got.equals(fromNix32(narHash32, 32)) || nar.bytes !== info.narSize) {
    await cache.store.delete(narKey).catch(() => undefined);
    throw new IwpError(ErrorCode.FAILED, `${info.path} changed in the local store: its NAR hashes to sha256:${toNix32(got)}, the store says ${info.narHash}`, {
      hint: 'nix-store --verify --check-contents --repair',
    });
  }
  const narinfo: NarInfo = {
    storePath: info.path,
    url: narKey,
    compression: opts.compression,
    fileHash: `sha256:${toNix32(file.digest())}`,
    fileSize: file.bytes,
    narHash: info.narHash,
    narSize: info.narSize,
    references: info.references,
    ...(info.deriver ? { deriver: info.deriver } : {}),
    ...(info.ca ? { ca: info.ca } : {}),
    sigs: [],
  };
  narinfo.sigs = [signFingerprint(opts.key, fingerprint(narinfo))];
  await cache.putNarInfo(narinfo, hashPart(info.path));
  return file.bytes;
}

/** A sink that only counts (for verification reads). */
export function discard(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}
