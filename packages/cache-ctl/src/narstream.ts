import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import pLimit from 'p-limit';
import { dirname, join } from 'node:path';
import { ErrorCode, FileStore, IwpError, removedAtExit, type ObjectStore, type Runner } from '@iwp/core';
import type { Compression } from './compression.js';
import { hashPart } from './narinfo.js';
import { fromNix32 } from './nix32.js';
import type { PathInfo } from './localstore.js';
import { deferred } from './deferred.js';
import { changedError } from './local-verify.js';
import { chunked } from './chunks.js';
import { inWorkers, narInWorker } from './nar-workers.js';

type NarSource = Pick<PathInfo, 'path' | 'narSize' | 'narHash' | 'references'>;

export interface StreamedNar {
  /** sha256 (hex) of the stored (compressed) bytes */
  fileSha256: string;
  fileSize: number;
}

/**
 * Copies of large NARs at once: as many as there are cores, each nix copy keeping one busy,
 * into a directory and into S3 alike. (Into S3 one fewer was kept free for the uploads while
 * a pipe compressed; with nix compressing, which takes less CPU a NAR, both cores compress:
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

/** The directory of a `file://` store, whose objects are plain files under it. */
function localDir(store: ObjectStore): string | undefined {
  return store instanceof FileStore ? store.url.slice('file://'.length) : undefined;
}

type NarFile = { file: string; sha256: string; size: number };

/** What nix's narinfo of `path` in the temp cache `tmp` says of its compressed NAR; undefined while nix has not written it. */
async function narFileOf(tmp: string, path: string): Promise<NarFile | undefined> {
  const text = await readFile(join(tmp, `${hashPart(path)}.narinfo`), 'utf8').catch(() => '');
  const m = { url: /^URL: (nar\/[0-9a-z]{52}\.nar[.a-z0-9]*)$/m.exec(text)?.[1], hash: /^FileHash: sha256:([0-9a-z]{52})$/m.exec(text)?.[1], size: /^FileSize: (\d+)$/m.exec(text)?.[1] };
  if (!m.url || !m.hash || !m.size) return undefined;
  return { file: join(tmp, m.url), sha256: fromNix32(m.hash, 32).toString('hex'), size: Number(m.size) };
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
 *
 * Each path's NAR goes to `onNar` as soon as nix has written its narinfo, not when the copy
 * ends: the temp cache's directory is watched (nix writes each file under a temp name and
 * renames it into place, so a narinfo seen is whole); what the watch did not report is read
 * once the copy has ended.
 */
async function compressNars(run: Runner, infos: NarSource[], compression: Compression, tmp: string, onNar: (path: string, nar: NarFile) => void, signal?: AbortSignal): Promise<void> {
  // a few small files, written in this turn: the nix copy starts before anything else runs
  // on this thread (compressAhead: before the first request loads the AWS SDK)
  const given = new Set(infos.map((i) => i.path));
  const stand = (ref: string) => `StorePath: ${ref}\nURL: nar/none\nNarHash: sha256:${'0'.repeat(52)}\nNarSize: 1\n`;
  for (const r of new Set(infos.flatMap((i) => i.references))) if (!given.has(r)) writeFileSync(join(tmp, `${hashPart(r)}.narinfo`), stand(r));
  // each narinfo read once: by the watch as nix writes it, or after the copy
  const byName = new Map(infos.map((i) => [`${hashPart(i.path)}.narinfo`, i.path]));
  const reads = new Map<string, Promise<NarFile | undefined>>();
  const watcher = watch(tmp, (_event, name) => {
    const path = name === null ? undefined : byName.get(name);
    if (!path || reads.has(path)) return;
    const read = narFileOf(tmp, path);
    reads.set(path, read);
    void read.then((nar) => nar && onNar(path, nar));
  });
  watcher.on('error', () => undefined); // the end of the copy reads what the watch did not
  // nix's own temp files (each compressed NAR before it goes into the cache) inside the temp
  // cache too: nix ended by a signal leaves one where a thread of its own was writing it
  const scratch = join(tmp, 'tmp');
  mkdirSync(scratch);
  const args = ['copy', '--extra-experimental-features', 'nix-command', '--no-recursive', '--to', `file://${tmp}?compression=${compression}`, ...given];
  const r = await run('nix', args, { reject: false, env: { TMPDIR: scratch }, ...(signal ? { signal } : {}) }).finally(() => watcher.close());
  const what = infos.length === 1 ? infos[0]!.path : `${infos.length} paths`;
  const said = r.stderr.trim().split('\n').filter((l) => !l.startsWith('copying ')).slice(-3).join('; ');
  if (r.exitCode !== 0) throw new IwpError(ErrorCode.PROCESS_FAILED, `nix copy of ${what} into a temp cache failed (${r.signal ?? `exit ${r.exitCode}`}): ${said}`);
  const nars = await Promise.all(infos.map(async (info) => (await reads.get(info.path)) ?? narFileOf(tmp, info.path)));
  infos.forEach((info, k) => {
    if (!nars[k]) throw new IwpError(ErrorCode.FAILED, `nix copy of ${info.path} left no narinfo with URL, FileHash and FileSize in its temp cache`);
    onNar(info.path, nars[k]);
  });
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
 * A path's NAR under way: `nar` once nix has written it; `stop` stops its nix copy (and so
 * the other paths of that copy); `ended` once the copy has ended and its temp cache is
 * removed, or left to the NARs still held (CompressedNar.release).
 */
export interface Compressing {
  nar: Promise<CompressedNar>;
  stop: AbortController;
  ended: Promise<void>;
  /**
   * Made on a worker thread (nar-workers.ts), which hashed the NAR on the way: fulfilled when
   * that hash is the one the local store registered, rejected (changedError) when it is not,
   * so the path needs no other check. Absent for a NAR nix compressed.
   */
  checked?: Promise<void>;
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

type Limit = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * One nix copy of `group` (compressNars) where `store` will take the files from (tempCache):
 * each path's promise gives its NAR as soon as nix has written it. The temp cache is removed
 * once the copy has ended and every NAR it gave is stored or discarded (CompressedNar.release);
 * a path nix did not get to is rejected only once nothing is left of it. Paths of the group
 * with one NAR hash share one file. `limit`: a place to wait for before the temp cache is
 * made; `stop` stops the copy, or keeps it from starting.
 */
function compressGroup(run: Runner, store: ObjectStore, group: NarSource[], compression: Compression, stop: AbortController, limit?: Limit): Map<string, Compressing> {
  const nars = new Map(group.map((i) => [i.path, deferred<CompressedNar>()]));
  const twins = new Map<string, number>();
  for (const i of group) twins.set(i.narHash, (twins.get(i.narHash) ?? 0) + 1);
  let tmp: string | undefined;
  let holds = 1; // the copy's own, then one a NAR given and not released
  const letGo = async () => {
    if (--holds === 0 && tmp) await removing(tmp)();
  };
  const given = new Set<string>();
  let failed = false;
  const give = (info: NarSource) => (nar: NarFile) => {
    // by the watch, then at the copy's end; nothing once the copy has failed (a read the
    // watch started may end while its temp cache is removed)
    if (failed || given.has(info.path)) return;
    given.add(info.path);
    holds++;
    const shared = twins.get(info.narHash)! > 1;
    const release = async () => {
      if (!shared) await rm(nar.file, { force: true }); // moved away into a directory store; sent to S3
      await letGo();
    };
    nars.get(info.path)!.resolve({ ...nar, shared, release: once(held.hold(nar.size, release)) });
  };
  const byPath = new Map(group.map((i) => [i.path, give(i)]));
  const copy = async () => {
    stop.signal.throwIfAborted();
    tmp = tempCache(store);
    await compressNars(run, group, compression, tmp, (path, nar) => byPath.get(path)!(nar), stop.signal);
  };
  const ended = (limit ? limit(copy) : copy()).then(letGo, async (err: unknown) => {
    failed = true;
    await letGo();
    for (const d of nars.values()) d.reject(err);
  });
  return new Map([...nars].map(([path, d]) => [path, { nar: d.promise, stop, ended }]));
}

/**
 * The path's NAR compressed (compressGroup) where `store` will take it from: into a directory
 * store, a temp cache in that directory (a name ending `.tmp`, which listings skip), so the
 * file is renamed into place; for any other store (S3) a temp directory of the system's.
 * Waits for a place among the compressions (`compressing`), unless the NAR is small.
 */
export function compressNarFor(run: Runner, store: ObjectStore, info: NarSource, compression: Compression): Promise<CompressedNar> {
  if (inWorkers(compression)) {
    const stop = new AbortController();
    return compressInWorkers(store, [info], stop, info.narSize <= SMALL_NAR ? undefined : largePlace(stop)).get(info.path)!.nar;
  }
  return compressGroup(run, store, [info], compression, new AbortController(), info.narSize <= SMALL_NAR ? undefined : compressing).get(info.path)!.nar;
}

/** Small NARs (SMALL_NAR) compressed by one nix copy at most: a nix process costs ~20 ms of CPU to start, and a closure holds many small paths. */
export const BATCH = 64;

/**
 * The NARs of small paths compressed in batches of up to BATCH paths, each batch by one nix
 * copy into one temp cache (compressGroup), as many batches at once as there are cores: what
 * was ~20 ms of CPU a path (a nix process each) is that a batch. `stop` stops the batches
 * under way or to come.
 */
export function compressSmallNars(run: Runner, store: ObjectStore, infos: NarSource[], compression: Compression, stop: AbortController): Map<string, Compressing> {
  if (inWorkers(compression)) return compressInWorkers(store, infos, stop);
  const batches = pLimit(cores);
  const out = new Map<string, Compressing>();
  for (let i = 0; i < infos.length; i += BATCH) {
    for (const [path, c] of compressGroup(run, store, infos.slice(i, i + BATCH), compression, stop, batches)) out.set(path, c);
  }
  return out;
}

/** How many large NARs compress at once: one nix copy a core. */
export const COMPRESSION_SLOTS = cores;

/**
 * Compressed bytes given (compressGroup) and not stored or discarded yet, in this process: a
 * copy of large NARs starts only while they are under `max`, so a store slower than nix does
 * not fill the temp directory with the closure.
 */
export const held = {
  bytes: 0,
  max: 1 << 30,
  waiting: new Set<() => void>(),
  hold(bytes: number, release: () => Promise<void>) {
    held.bytes += bytes;
    return async () => {
      held.bytes -= bytes;
      for (const wake of held.waiting) wake();
      await release();
    };
  },
  async below(signal?: AbortSignal) {
    while (held.bytes >= held.max) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const wake = () => (held.waiting.delete(wake), signal?.removeEventListener('abort', wake), resolve());
        held.waiting.add(wake);
        signal?.addEventListener('abort', wake);
      });
    }
  },
};

/**
 * The NARs of large paths, in the order given, in chunks of consecutive paths (chunks.ts: as
 * many as `slots`, more for a closure over CHUNK_BYTES a slot), one nix copy a chunk
 * (compressGroup), COMPRESSION_SLOTS copies at once, each started only while `held` allows.
 * One nix process a core rather than one a path: the bench's four 54 MB paths take 0.69 s
 * of CPU in two copies against 0.76-0.83 s in four. nix orders a chunk's paths itself
 * (references first); each NAR is given as soon as nix has written it. Each chunk has its own
 * AbortController (`stop`), which stops its copy (or keeps it from starting) and so fails its
 * paths not given yet. With `later`, the chunks after the first wait for it (settled either
 * way) before they take a place.
 */
export function compressLargeNars(run: Runner, store: ObjectStore, infos: NarSource[], compression: Compression, slots = COMPRESSION_SLOTS, later?: Promise<unknown>): Map<string, Compressing> {
  const out = new Map<string, Compressing>();
  if (inWorkers(compression)) {
    for (const [k, info] of infos.entries()) {
      const stop = new AbortController();
      for (const [path, c] of compressInWorkers(store, [info], stop, largePlace(stop, k > 0 ? later : undefined))) out.set(path, c);
    }
    return out;
  }
  for (const [k, chunk] of chunked(infos, slots).entries()) {
    const stop = new AbortController();
    for (const [path, c] of compressGroup(run, store, chunk, compression, stop, largePlace(stop, k > 0 ? later : undefined))) out.set(path, c);
  }
  return out;
}

/**
 * A place among the compressions of large NARs (`compressing`), once `after` (if any) has
 * settled either way, then `held`'s leave, so that the bytes held are weighed when a place is
 * free for the NARs, not when they are asked for. `stop` ends the wait for `held`.
 */
const largePlace =
  (stop: AbortController, after?: Promise<unknown>): Limit =>
  async (fn) => {
    await after?.catch(() => undefined);
    return compressing(async () => (await held.below(stop.signal), fn()));
  };

/**
 * zstd NARs made on worker threads (nar-workers.ts), each path's into a temp directory of its
 * own where `store` will take the file from (tempCache), in the order given, each started,
 * with `limit` (large NARs: largePlace), once it gives a place. Small NARs take none: they go to the threads' queue at once, and a thread
 * takes them before the next large NAR, as nix's batches of them run beside the large ones'
 * copies. Each path's `checked` compares the NAR hash computed on the way with the one the
 * local store registered. `stop` keeps the paths not started from starting, and ends those
 * under way within a chunk (their files are removed): a push with nothing to upload does not
 * wait for the NAR it began before the cache answered.
 */
function compressInWorkers(store: ObjectStore, infos: NarSource[], stop: AbortController, limit?: Limit): Map<string, Compressing> {
  const out = new Map<string, Compressing>();
  for (const info of infos) {
    const nar = deferred<CompressedNar>();
    const checked = deferred<void>();
    checked.promise.catch(() => undefined); // read by the push's narinfo, or not at all (dropped)
    const make = async () => {
      stop.signal.throwIfAborted();
      const tmp = tempCache(store);
      const remove = removing(tmp);
      try {
        const made = await narInWorker(info.path, join(tmp, 'nar'), stop.signal);
        if (made.narHash !== info.narHash || made.narSize !== info.narSize) checked.reject(changedError(info.path, info.narHash, made.narHash));
        else checked.resolve();
        nar.resolve({ file: made.file, sha256: made.fileSha256, size: made.fileSize, shared: false, release: once(held.hold(made.fileSize, remove)) });
      } catch (err) {
        await remove();
        throw err;
      }
    };
    const ended = (limit ? limit(make) : make()).catch((err: unknown) => {
      nar.reject(err);
      checked.reject(err);
    });
    out.set(info.path, { nar: nar.promise, stop, ended, checked: checked.promise });
  }
  return out;
}

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
