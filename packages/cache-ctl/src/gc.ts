import pMap from 'p-map';
import type { BinaryCache } from './cache.js';
import { DEFAULT_LEASE_MS, dropExpired, readLeases, takeLease } from './leases.js';
import { hashPart, type NarInfo } from './narinfo.js';

export interface GcOptions {
  /** keep anything newer than this (ms since epoch); undefined: no age limit */
  olderThan?: number;
  dryRun?: boolean;
  jobs?: number;
  leaseMs?: number;
}

export interface GcResult {
  kept: number;
  deleted: number;
  deletedNars: number;
  bytesFreed: number;
  deletedPaths: string[];
  /** pushes in progress whose closures and NARs were kept */
  activePushes: number;
}

/**
 * Keeps the closures of the roots (followed through narinfo References), deletes every
 * other narinfo older than the limit, then every NAR no remaining narinfo points at:
 * narinfos first, so a reader never finds a narinfo whose NAR is gone.
 *
 * Pushes in progress are safe: gc writes its own lease first, then reads the push leases
 * and keeps every path and NAR they list (a push that starts later sees the gc lease and
 * waits). Leases of processes that died (expired) are ignored and removed.
 */
export async function collectGarbage(cache: BinaryCache, roots: string[], opts: GcOptions = {}): Promise<GcResult> {
  const held = opts.dryRun ? undefined : await takeLease(cache.store, 'gc', {}, opts.leaseMs ?? DEFAULT_LEASE_MS);
  try {
    return await collect(cache, roots, opts);
  } finally {
    await held?.release();
  }
}

async function collect(cache: BinaryCache, roots: string[], opts: GcOptions): Promise<GcResult> {
  const jobs = opts.jobs ?? 16;
  const leases = await readLeases(cache.store);
  if (!opts.dryRun) await dropExpired(cache.store, leases.expired);
  const pushes = leases.live.filter((l) => l.role === 'push');
  const all = await cache.listNarInfos();
  const infos = new Map<string, NarInfo>();
  const keep = new Set<string>();
  let frontier = [...new Set([...roots.map(hashPart), ...pushes.flatMap((l) => l.paths)])].filter((h) => all.has(h));
  while (frontier.length) {
    const next: string[] = [];
    await pMap(
      frontier.filter((h) => !keep.has(h)),
      async (h) => {
        keep.add(h);
        const n = await cache.narInfo(h);
        if (!n) return;
        infos.set(h, n);
        for (const r of n.references) if (!keep.has(hashPart(r)) && all.has(hashPart(r))) next.push(hashPart(r));
      },
      { concurrency: jobs },
    );
    frontier = [...new Set(next)];
  }
  const young = (modified: string) => opts.olderThan !== undefined && Date.parse(modified) > opts.olderThan;
  const doomed = [...all].filter(([h, o]) => !keep.has(h) && !young(o.modified)).map(([h]) => h);
  const kept = new Set([...all.keys()].filter((h) => !doomed.includes(h)));

  // the NARs still in use: those of every narinfo that stays, and those being pushed
  const used = new Set<string>(pushes.flatMap((l) => l.nars));
  await pMap(
    [...kept],
    async (h) => {
      const n = infos.get(h) ?? (await cache.narInfo(h));
      if (n) used.add(n.url);
    },
    { concurrency: jobs },
  );
  const deletedPaths: string[] = [];
  await pMap(
    doomed,
    async (h) => {
      const n = await cache.narInfo(h).catch(() => undefined);
      deletedPaths.push(n?.storePath ?? h);
      if (!opts.dryRun) await cache.store.delete(`${h}.narinfo`);
    },
    { concurrency: jobs },
  );
  const nars = (await cache.store.list('nar/')).filter((o) => !used.has(o.key) && !young(o.modified));
  if (!opts.dryRun) await pMap(nars, (o) => cache.store.delete(o.key), { concurrency: jobs });
  return {
    kept: kept.size,
    deleted: doomed.length,
    deletedNars: nars.length,
    bytesFreed: nars.reduce((s, o) => s + o.size, 0),
    deletedPaths: deletedPaths.sort(),
    activePushes: pushes.length,
  };
}
