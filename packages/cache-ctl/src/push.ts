import { Writable } from 'node:stream';
import coreEarly, { type EarlyResult } from '@iwp/core/early';
import pLimit from 'p-limit';
import { ErrorCode, FileStore, IwpError, isTransient, withRetry, type Runner } from '@iwp/core';
import type { BinaryCache } from './cache.js';
import { EXT, type Compression } from './compression.js';
import { DEFAULT_LEASE_MS, takeLease, waitForGc, type CacheLease } from './leases.js';
import { signFingerprint, type SecretKey } from './keys.js';
import { queryPathInfo, topoOrder, type PathInfo } from './localstore.js';
import early from './early.cjs';
import { fingerprint, hashPart, type NarInfo } from './narinfo.js';
import { toNix32 } from './nix32.js';
import { deferred } from './deferred.js';
import { verifyLocalPaths, type Verdict } from './local-verify.js';
import { checkStart } from './check-start.js';
import { inWorkers, warmNarWorkers } from './nar-workers.js';
import { compressLargeNars, compressNarFor, compressSmallNars, discardNar, SMALL_NAR, storeNar, type CompressedNar, type Compressing, type StreamedNar } from './narstream.js';

export interface PushOptions {
  /** runs nix (path-info of the closure) */
  run: Runner;
  key: SecretKey;
  compression: Compression;
  jobs: number;
  /** push even what the cache already has (repair) */
  force?: boolean;
  onPath?: (path: string, bytes: number) => void;
  /** a concurrent gc holds its lease: this push waits */
  onWaitForGc?: (gc: CacheLease) => void;
  onRetry?: (path: string, err: unknown) => void;
  leaseMs?: number;
}

export interface PushResult {
  paths: number;
  uploaded: number;
  skipped: number;
  bytes: number;
  storePaths: string[];
}

export const narKeyOf = (info: Pick<PathInfo, 'narHash'>, compression: Compression) => `nar/${info.narHash.slice('sha256:'.length)}.nar${EXT[compression]}`;

/**
 * Pushes the closures of `paths`: one existence check for the whole closure, then only the
 * missing paths (pushMissing: NARs of at most 1 MiB first, then in dependency order, each
 * stored as soon as nix has written it, `jobs` at a time, each narinfo after those of its
 * references). zstd NARs are made on worker threads, which hash each NAR as they make it
 * and so check it against the NAR hash nix registered (nar-workers.ts); otherwise nix
 * compresses the NARs into temp caches, a few nix copies for the whole closure, and checks
 * the paths' contents (local-verify.ts; when: pushMissing). Each file is renamed into a
 * directory store or sent to S3 as one PutObject (narstream.ts); a narinfo, signed, is
 * written only after its NAR is in place and the check has passed. The large NARs start compressing as soon as the closure
 * is known (compressAhead), while the push takes its lease and asks the cache what it has.
 *
 * Before anything reaches the store the push checks that the cache exists (bucket or
 * directory, and nix-cache-info), then writes a lease naming its closure and NAR keys, renewed
 * while it runs, so a concurrent `gc` keeps them (see leases.ts); a path whose upload fails
 * on a transient error after the store's own retries is pushed again from the start.
 */
export async function pushClosure(cache: BinaryCache, paths: string[], opts: PushOptions): Promise<PushResult> {
  if (inWorkers(opts.compression)) warmNarWorkers(); // they load while nix answers
  const infos = await queryPathInfo(opts.run, paths, true);
  const hashes = infos.map((i) => hashPart(i.path));
  const answered = deferred<void>();
  const ahead = compressAhead(cache, infos, opts, answered.promise);
  try {
    // the cache is checked once the nix copies have started: its first request loads the
    // AWS SDK (~30 ms of this thread), which would otherwise come before them
    await new Promise((resolve) => setImmediate(resolve));
    await cache.mustExist();
    const held = await takeLease(cache.store, 'push', { paths: hashes, nars: infos.map((i) => narKeyOf(i, opts.compression)) }, opts.leaseMs ?? DEFAULT_LEASE_MS);
    try {
      let told = false;
      // what the cache has is asked while gc's leases are: after a wait for a gc, again
      const listed = opts.force ? undefined : cache.exists(hashes);
      listed?.catch(() => undefined);
      await waitForGc(cache.store, (gc) => {
        if (!told) opts.onWaitForGc?.(gc);
        told = true;
      });
      const present = opts.force ? new Set<string>() : await (told ? cache.exists(hashes) : listed!);
      const missing = infos.filter((i) => !present.has(hashPart(i.path)));
      // the chunks held back start now, those with paths the cache has only to end at once
      answered.resolve();
      await dropAhead(ahead, new Set(missing.map((i) => i.path)));
      const checking = earlyCheck(paths, infos, missing, opts.compression);
      const bytes = await pushMissing(cache, missing, { ...opts, leaseLost: held.heartbeat.failure }, ahead, checking);
      return { paths: infos.length, uploaded: missing.length, skipped: infos.length - missing.length, bytes, storePaths: infos.map((i) => i.path).sort() };
    } finally {
      await held.release();
    }
  } finally {
    answered.resolve();
    await dropAhead(ahead);
  }
}

/**
 * The check of the closure bin/run.js started (early.cts: into a directory store), adopted
 * when the missing paths hold at least half of the closure's NAR bytes; otherwise stopped:
 * pushMissing checks only the paths it uploads (a push of one new path on top of a large
 * closure the cache has hashed the whole closure before).
 */
function earlyCheck(paths: string[], infos: PathInfo[], missing: PathInfo[], compression: Compression): Promise<EarlyResult> | undefined {
  const args = early.verifyArgs(paths);
  const bytes = (of: PathInfo[]) => of.reduce((n, i) => n + i.narSize, 0);
  if (!inWorkers(compression) && missing.length > 0 && 2 * bytes(missing) >= bytes(infos)) return coreEarly.takeEarly('nix', args);
  void coreEarly.dropEarly('nix', args);
  return undefined;
}

/** Compressions started before the push knows which paths the cache is missing. */
type Ahead = Map<string, Compressing>;

/**
 * Starts compressing the large NARs of the closure (compressLargeNars: one nix copy a core),
 * into temp caches, before the lease and the existence check: nothing reaches the store
 * before those, and the three round trips to S3 (~0.1 s with start-up's remains) or the
 * directory's checks no longer come before the first compression. Only the first chunk's
 * copy starts at once; the others once the cache has answered (`later`): until then this
 * thread loads the AWS SDK and sends the requests, and one core is what it leaves free
 * (alternated against all chunks at once, medians of 10, 14 and 16 pushes of the bench's
 * closure into the emulator: 1.19x, 1.17x and 1.16x of the bench's peer against 1.24x, 1.18x
 * and 1.25x; into a directory no difference, 0.60 s against 0.62 s, 0.67 s against 0.65 s).
 * The copies holding paths the cache has are stopped as soon as it says so (dropAhead): a
 * push with nothing to do spends at most that one copy's time, and its answer does not wait
 * for it.
 */
function compressAhead(cache: BinaryCache, infos: PathInfo[], opts: PushOptions, later: Promise<void>): Ahead {
  // a NAR not taken by pushMissing is discarded (dropAhead); its promise, a deferred's, is
  // never reported as unhandled
  return compressLargeNars(opts.run, cache.store, pushOrder(infos).order.filter((i) => i.narSize > SMALL_NAR), opts.compression, undefined, later);
}

/**
 * Stops and removes the compressions started ahead, but those of paths in `keep`, once their
 * copies have ended. A copy stopped for one of its paths takes its others with it:
 * pushMissing compresses those again.
 */
async function dropAhead(ahead: Ahead, keep?: Set<string>): Promise<void> {
  const stops = new Set([...ahead].filter(([path]) => !keep?.has(path)).map(([, a]) => a.stop));
  for (const stop of stops) stop.abort();
  const dropped = [...ahead].filter(([, a]) => stops.has(a.stop));
  for (const [path] of dropped) ahead.delete(path);
  await Promise.all(dropped.flatMap(([, a]) => [discardNar(a.nar), a.ended]));
}

/** NARs of at most 1 MiB first whatever their level (narstream.ts: they take no place among the compressions), then the others in dependency order (`levels`). */
function pushOrder(paths: PathInfo[]): { levels: PathInfo[]; order: PathInfo[] } {
  const levels = topoOrder(paths).flatMap((level) => level.sort((a, b) => a.narSize - b.narSize));
  return { levels, order: [...levels.filter((i) => i.narSize <= SMALL_NAR), ...levels.filter((i) => i.narSize > SMALL_NAR)] };
}

/**
 * NARs are compressed those of at most 1 MiB first, then the others in dependency order,
 * small paths first within a level, in chunks whose paths nix orders itself, references
 * first (an interrupted push has then completed as many paths as it could); each goes up as
 * soon as nix has written it, `jobs` at a time; each narinfo as soon as its NAR and the
 * narinfos of its references are in place, and its path's check has passed. A NAR never
 * waits for another path's narinfo; a narinfo never appears before those of its references.
 * Returns bytes.
 *
 * The check of the paths (local-verify.ts), unless the one bin/run.js started is adopted
 * (`checking`): into a directory it starts at once, beside the compressions, as the push
 * ends when they do; into S3 once the compressions leave a core free, or have done 512 MiB
 * (check-start.ts; alternated, 9 pushes each of the bench's 215 MB closure into the
 * emulator: median 1.06 s against 1.15 s with the check beside them from the start).
 */
async function pushMissing(cache: BinaryCache, missing: PathInfo[], opts: PushOptions & { leaseLost: () => unknown }, ahead: Ahead, checking?: Promise<EarlyResult>): Promise<number> {
  // NARs in `order`; narinfos in dependency order (`levels`), each chained to its references'
  const { levels, order } = pushOrder(missing);
  // the small NARs in batches, the large ones not compressed ahead in one nix copy a core
  // (narstream.ts), taken below as those compressed ahead are; what is not taken is dropped
  // with them
  const batches = new AbortController();
  const small = order.filter((i) => i.narSize <= SMALL_NAR);
  for (const [path, c] of compressSmallNars(opts.run, cache.store, small, opts.compression, batches)) ahead.set(path, c);
  for (const [path, a] of compressLargeNars(opts.run, cache.store, order.filter((i) => i.narSize > SMALL_NAR && !ahead.has(i.path)), opts.compression)) ahead.set(path, a);
  // NARs made on worker threads were checked as they were made; the others by nix
  const inStream = new Map([...ahead].flatMap(([path, c]) => (c.checked ? [[path, c.checked] as const] : [])));
  const rest = order.filter((i) => !inStream.has(i.path));
  const start = checkStart(rest);
  const after = checking || cache.store instanceof FileStore ? undefined : start.started;
  const byNix = rest.length > 0 ? verifyLocalPaths(rest.map((i) => i.path), { early: checking, after }) : undefined; // in the order the NARs go
  const verdict: Verdict = (path) => inStream.get(path) ?? byNix!(path);
  const nars = new Map(order.map((i) => [i.path, deferred<NarInfo>()]));
  const published = new Map<string, Promise<void>>();
  let bytes = 0;
  for (const info of levels) {
    const refs = info.references.filter((r) => r !== info.path && published.has(r)).map((r) => published.get(r));
    const done = Promise.all([nars.get(info.path)!.promise, ...refs]).then(async ([narinfo]) => {
      await checked(cache, narinfo, verdict);
      await withRetry(() => publishNarInfo(cache, narinfo, opts), { onRetry: (err) => opts.onRetry?.(info.path, err) });
      bytes += narinfo.fileSize ?? 0;
      opts.onPath?.(info.path, narinfo.fileSize ?? 0);
    });
    done.catch(() => undefined);
    published.set(info.path, done);
  }
  // NARs go up as nix writes them, `jobs` at a time. On a failure no more start, the
  // compressions are stopped, and the push ends once those under way have ended (and removed
  // their temp files), not while nix still writes them.
  const uploading = pLimit(opts.jobs);
  let failure: { err: unknown } | undefined;
  const slot = <T>(fn: () => Promise<T>) =>
    uploading(() => {
      if (failure) throw failure.err;
      return fn();
    });
  const uploads = order.map((info) => {
    let early = ahead.get(info.path)?.nar; // the first attempt takes what was compressed ahead
    const attempt = () => {
      if (failure) throw failure.err;
      const compressed = early;
      early = undefined;
      return uploadNar(cache, info, opts, compressed, () => start.compressed(info.path), slot);
    };
    const nar = nars.get(info.path)!;
    // once the push has failed, nothing is tried again
    const retry = { shouldRetry: (err: unknown) => !failure && isTransient(err), onRetry: (err: unknown) => opts.onRetry?.(info.path, err) };
    return withRetry(attempt, retry).then(nar.resolve, (err: unknown) => {
      nar.reject(err);
      if (!failure) {
        failure = { err };
        for (const a of ahead.values()) a.stop.abort();
      }
    });
  });
  await Promise.all(uploads);
  if (failure) throw failure.err;
  await Promise.all(published.values());
  return bytes;
}

/**
 * One path: NAR first, narinfo last. Returns the bytes uploaded. `leaseLost` (a push's
 * lease could not be renewed) stops it before the narinfo: gc may no longer know the NAR.
 */
export async function pushPath(cache: BinaryCache, info: PathInfo, opts: Pick<PushOptions, 'run' | 'key' | 'compression'> & { leaseLost?: () => unknown }): Promise<number> {
  const verdict = verifyLocalPaths([info.path]);
  const narinfo = await uploadNar(cache, info, opts);
  await checked(cache, narinfo, verdict);
  await publishNarInfo(cache, narinfo, opts);
  return narinfo.fileSize ?? 0;
}

/**
 * Puts the path's NAR into the store (`compressed`: already compressed, into a temp cache;
 * `onCompressed` is called once it is; `slot`: a place among the uploads to wait for); its
 * narinfo, unsigned, whose NAR hash is the local store's (see `checked`).
 */
export async function uploadNar(cache: BinaryCache, info: PathInfo, opts: Pick<PushOptions, 'run' | 'compression'>, compressed?: Promise<CompressedNar>, onCompressed?: () => void, slot: <T>(fn: () => Promise<T>) => Promise<T> = (fn) => fn()): Promise<NarInfo> {
  const narKey = narKeyOf(info, opts.compression);
  let nar: StreamedNar;
  try {
    const file = await (compressed ?? compressNarFor(opts.run, cache.store, info, opts.compression));
    onCompressed?.();
    nar = await slot(() => storeNar(cache.store, file, narKey)).catch(async (err: unknown) => {
      await file.release(); // not stored: the push failed meanwhile
      throw err;
    });
  } catch (err) {
    throw new IwpError(ErrorCode.FAILED, `pushing ${info.path}: ${(err as Error).message}`, { cause: err });
  }
  return {
    storePath: info.path,
    url: narKey,
    compression: opts.compression,
    fileHash: `sha256:${toNix32(Buffer.from(nar.fileSha256, 'hex'))}`,
    fileSize: nar.fileSize,
    narHash: info.narHash,
    narSize: info.narSize,
    references: info.references,
    ...(info.deriver ? { deriver: info.deriver } : {}),
    ...(info.ca ? { ca: info.ca } : {}),
    sigs: [],
  };
}

/**
 * Waits for the check of the path's contents against the NAR hash the local store registered
 * (local-verify.ts): a path changed since nix registered it is not published, and its NAR,
 * uploaded meanwhile, is deleted.
 */
async function checked(cache: BinaryCache, narinfo: NarInfo, verdict: Verdict): Promise<void> {
  await verdict(narinfo.storePath).catch(async (err: unknown) => {
    await cache.store.delete(narinfo.url).catch(() => undefined);
    throw err;
  });
}

/** Signs and writes a narinfo whose NAR is in place, unless the push's lease was lost. */
export async function publishNarInfo(cache: BinaryCache, narinfo: NarInfo, opts: Pick<PushOptions, 'key'> & { leaseLost?: () => unknown }): Promise<void> {
  const lost = opts.leaseLost?.();
  if (lost) {
    throw new IwpError(ErrorCode.FAILED, `${narinfo.storePath}: the push's lease in ${cache.url} could not be renewed (${(lost as Error).message}); stopped before its narinfo`, {
      cause: lost,
      details: { transient: false },
    });
  }
  await cache.putNarInfo({ ...narinfo, sigs: [signFingerprint(opts.key, fingerprint(narinfo))] }, hashPart(narinfo.storePath));
}

/** A sink that only counts (for verification reads). */
export function discard(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}
