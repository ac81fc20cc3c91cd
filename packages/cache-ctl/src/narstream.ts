import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import pLimit from 'p-limit';
import { dirname, join } from 'node:path';
import { ErrorCode, FileStore, IwpError, removedAtExit, type ObjectStore, type Runner } from '@iwp/core';
import type { Compression } from './compression.js';
import { hashPart } from './narinfo.js';
import { fromNix32 } from './nix32.js';
import type { PathInfo } from './localstore.js';

type NarSource = Pick<PathInfo, 'path' | 'narSize' | 'references'>;

export interface StreamedNar {
  /** sha256 (hex) of the stored (compressed) bytes */
  fileSha256: string;
  fileSize: number;
}

/**
 * NARs compressed at once: as many as there are cores, each nix copy keeping one busy, into
 * a directory and into S3 alike. (Into S3 one fewer was kept free for the uploads while a
 * pipe compressed; with nix compressing, which takes less CPU a NAR, both cores compress:
 * the CLI into the S3 emulator 1.22-1.23 s against 1.28-1.30 s with one, alternated.)
 */
const cores = availableParallelism();
const compressing = pLimit(cores);
/**
 * A NAR this small takes no place among those: it costs a share of a nix process's start
 * (~20 ms of CPU, compressSmallNars), not a core. Pushed first (push.ts), it is done while
 * the first large ones compress, instead of waiting for a place behind them and ending the
 * push alone.
 */
export const SMALL_NAR = 1 << 20;
const placed = <T>(limit: (fn: () => Promise<T>) => Promise<T>, narSize: number, fn: () => Promise<T>) => (narSize <= SMALL_NAR ? fn() : limit(fn));

/** The directory of a `file://` store, whose objects are plain files under it. */
function localDir(store: ObjectStore): string | undefined {
  return store instanceof FileStore ? store.url.slice('file://'.length) : undefined;
}

/**
 * Compresses paths' NARs with nix itself: `nix copy --no-recursive` into a binary cache of
 * its own in `tmp` (a fresh directory), whose narinfos name the compressed files and their
 * hashes. nix dumps, compresses and hashes in one process, with no pipe between them: less
 * CPU than `nix-store --dump | zstd` with the file hashed beside it (0.18 s against 0.23 s
 * for a 54 MB NAR here), and the bytes of `nix copy --to file://…?compression=…` by
 * construction. nix adds a path to a binary cache only when the cache has the path's
 * references: it orders the paths it is given itself, and the temp cache gets stand-ins for
 * the other references, narinfos that only say they are there, never read for anything else
 * and deleted with it. The NAR hash is checked by local-verify.ts, beside the push: nix copy
 * does not compare it with the registered one.
 */
async function compressNars(run: Runner, infos: NarSource[], compression: Compression, tmp: string, signal?: AbortSignal): Promise<Map<string, { file: string; sha256: string; size: number }>> {
  // a few small files, written in this turn: the nix copy starts before anything else runs
  // on this thread (compressAhead: before the first request loads the AWS SDK)
  const given = new Set(infos.map((i) => i.path));
  const stand = (ref: string) => `StorePath: ${ref}\nURL: nar/none\nNarHash: sha256:${'0'.repeat(52)}\nNarSize: 1\n`;
  for (const r of new Set(infos.flatMap((i) => i.references))) if (!given.has(r)) writeFileSync(join(tmp, `${hashPart(r)}.narinfo`), stand(r));
  const args = ['copy', '--extra-experimental-features', 'nix-command', '--no-recursive', '--to', `file://${tmp}?compression=${compression}`, ...given];
  const r = await run('nix', args, { reject: false, ...(signal ? { signal } : {}) });
  const what = infos.length === 1 ? infos[0]!.path : `${infos.length} paths`;
  const said = r.stderr.trim().split('\n').filter((l) => !l.startsWith('copying ')).slice(-3).join('; ');
  if (r.exitCode !== 0) throw new IwpError(ErrorCode.PROCESS_FAILED, `nix copy of ${what} into a temp cache failed (${r.signal ?? `exit ${r.exitCode}`}): ${said}`);
  const files = new Map<string, { file: string; sha256: string; size: number }>();
  const texts = await Promise.all(infos.map((info) => readFile(join(tmp, `${hashPart(info.path)}.narinfo`), 'utf8').catch(() => '')));
  infos.forEach((info, k) => {
    const text = texts[k]!;
    const m = { url: /^URL: (nar\/[0-9a-z]{52}\.nar[.a-z0-9]*)$/m.exec(text)?.[1], hash: /^FileHash: sha256:([0-9a-z]{52})$/m.exec(text)?.[1], size: /^FileSize: (\d+)$/m.exec(text)?.[1] };
    if (!m.url || !m.hash || !m.size) throw new IwpError(ErrorCode.FAILED, `nix copy of ${info.path} left no narinfo with URL, FileHash and FileSize in its temp cache`);
    files.set(info.path, { file: join(tmp, m.url), sha256: fromNix32(m.hash, 32).toString('hex'), size: Number(m.size) });
  });
  return files;
}

/** A NAR compressed into a temp cache, which storeNar or discardNar releases (removed once none of its NARs is wanted). */
export interface CompressedNar {
  file: string;
  sha256: string;
  size: number;
  /** the file is another path's too (the same NAR in one temp cache): stored by a copy, not moved */
  shared: boolean;
  release: () => Promise<void>;
}

/**
 * What each temp cache not removed yet is made of (the directory; for one reached through a
 * link, the directory and the one holding the link), each path also removed at exit if the
 * push does not get to it (core's removedAtExit: Ctrl-C, SIGTERM).
 */
const made = new Map<string, Array<{ path: string; forget: () => void }>>();
const removal = (path: string) => ({ path, forget: removedAtExit(path) });
const kept = (cache: string, removals = [removal(cache)]) => (made.set(cache, removals), cache);

/**
 * A fresh temp cache where `store` will take its files from (see compressNarFor); a directory
 * store that is not there is not created (mkdir fails). nix reads a store URL's path up to
 * its first '?' and decodes nothing, so a temp cache whose path has one (or a '#') is given to
 * nix as a link to it from the system's temp directory.
 */
function tempCache(store: ObjectStore): string {
  const dir = localDir(store);
  if (!dir) return kept(mkdtempSync(join(tmpdir(), 'iwp-nar-')));
  const tmp = join(dir, `.push-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  mkdirSync(tmp);
  if (!/[?#]/.test(tmp)) return kept(tmp);
  const removals = [removal(tmp)];
  const holder = mkdtempSync(join(tmpdir(), 'iwp-nar-'));
  removals.push(removal(holder));
  const link = join(holder, 'cache');
  symlinkSync(tmp, link);
  return kept(link, removals);
}

/** Removes a temp cache (tempCache): the directory, and the link nix was given to it, if any. */
const removing = (tmp: string) => async () => {
  for (const { path, forget } of made.get(tmp) ?? []) {
    await rm(path, { recursive: true, force: true });
    forget();
  }
  made.delete(tmp);
};
const once = (fn: () => Promise<void>) => {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
};

/**
 * The path's NAR compressed (compressNars) where `store` will take it from: into a directory
 * store, a temp cache in that directory (a name ending `.tmp`, which listings skip), so the
 * file is renamed into place; for any other store (S3) a temp directory of the system's.
 * Waits for a place among the compressions (`compressing`), unless the NAR is small.
 * `signal` stops the nix copy; the temp cache is then removed.
 */
export async function compressNarFor(run: Runner, store: ObjectStore, info: NarSource, compression: Compression, signal?: AbortSignal): Promise<CompressedNar> {
  const tmp = tempCache(store);
  try {
    const files = await placed(compressing, info.narSize, async () => {
      signal?.throwIfAborted();
      return compressNars(run, [info], compression, tmp, signal);
    });
    return { ...files.get(info.path)!, shared: false, release: once(removing(tmp)) };
  } catch (err) {
    await removing(tmp)();
    throw err;
  }
}

/** Small NARs (SMALL_NAR) compressed by one nix copy at most: a nix process costs ~20 ms of CPU to start, and a closure holds many small paths. */
export const BATCH = 64;

/**
 * The NARs of small paths compressed in batches of up to BATCH paths, each batch by one nix
 * copy into one temp cache (compressNars), as many batches at once as there are cores: what
 * was ~20 ms of CPU a path (a nix process each) is that a batch. Each path's promise gives
 * its NAR; the batch's temp cache is removed once every one of its NARs is stored or
 * discarded. `signal` stops the batches under way or to come.
 */
export function compressSmallNars(run: Runner, store: ObjectStore, infos: NarSource[], compression: Compression, signal?: AbortSignal): Map<string, Promise<CompressedNar>> {
  const out = new Map<string, Promise<CompressedNar>>();
  const batches = pLimit(cores);
  for (let i = 0; i < infos.length; i += BATCH) {
    const batch = infos.slice(i, i + BATCH);
    const files = batches(async () => {
      signal?.throwIfAborted();
      const tmp = tempCache(store);
      try {
        return { tmp, files: await compressNars(run, batch, compression, tmp, signal) };
      } catch (err) {
        await removing(tmp)();
        throw err;
      }
    });
    let left = batch.length;
    const release = (tmp: string) => async () => {
      if (--left === 0) await removing(tmp)();
    };
    for (const info of batch) {
      const nar = files.then(({ tmp, files: f }): CompressedNar => {
        const file = f.get(info.path)!;
        const shared = [...f.values()].filter((x) => x.file === file.file).length > 1;
        return { ...file, shared, release: once(release(tmp)) };
      });
      nar.catch(() => undefined); // taken by the push, or discarded
      out.set(info.path, nar);
    }
  }
  return out;
}

/** How many large NARs compress at once (compressNarFor). */
export const COMPRESSION_SLOTS = cores;

/**
 * Stores a compressed NAR under `key`, and removes its temp cache: into a directory a
 * rename; elsewhere (S3) one PutObject signed with the hash nix computed (`putFile`), as
 * nix's own S3 store compresses before it uploads: the body is not hashed again, and a
 * retry reads the file again instead of running nix once more.
 */
export async function storeNar(store: ObjectStore, nar: CompressedNar, key: string): Promise<StreamedNar> {
  try {
    const dir = localDir(store);
    if (dir) {
      const dest = join(dir, ...key.split('/'));
      await mkdir(dirname(dest), { recursive: true });
      if (nar.shared) {
        // another path's NAR too (the same bytes, a small file): copied under a temp name,
        // then renamed (a hard link would not do: rename between two links of one file is a no-op)
        const t = `${dest}.${randomBytes(4).toString('hex')}.tmp`;
        await copyFile(nar.file, t);
        await rename(t, dest);
      } else await rename(nar.file, dest);
    } else {
      await store.putFile(key, nar.file, { size: nar.size, sha256: nar.sha256, contentType: 'application/x-nix-nar' });
    }
    return { fileSha256: nar.sha256, fileSize: nar.size };
  } finally {
    await nar.release();
  }
}

/** Removes what a compression left, once it has ended (stopped or not). */
export async function discardNar(nar: Promise<CompressedNar>): Promise<void> {
  const n = await nar.catch(() => undefined);
  if (n) await n.release();
}
