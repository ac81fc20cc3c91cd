import type { BinaryCache } from './cache.js';

export interface NarinfoMemoOptions {
  /** how long a narinfo is remembered, ms */
  ttlMs: number;
  /** how long its absence is remembered, ms */
  negativeTtlMs: number;
  /** counts answers from memory */
  onHit?: () => void;
}

/**
 * Narinfos (and their absence) remembered for a while, at most 100,000. Lookups of one
 * narinfo while it is being fetched share that fetch: a burst of requests for a cold narinfo
 * costs the store one GET, not one each.
 */
export function narinfoMemo(cache: BinaryCache, opts: NarinfoMemoOptions): (hash: string) => Promise<Buffer | undefined> {
  const narinfos = new Map<string, { body: Buffer | undefined; until: number }>();
  const fetching = new Map<string, Promise<Buffer | undefined>>();
  return async (hash) => {
    const c = narinfos.get(hash);
    if (c && c.until > Date.now()) {
      opts.onHit?.();
      return c.body;
    }
    let p = fetching.get(hash);
    if (!p) {
      p = cache.store.get(`${hash}.narinfo`).then((obj) => {
        narinfos.set(hash, { body: obj?.body, until: Date.now() + (obj ? opts.ttlMs : opts.negativeTtlMs) });
        if (narinfos.size > 100_000) narinfos.delete(narinfos.keys().next().value!);
        return obj?.body;
      }).finally(() => fetching.delete(hash));
      fetching.set(hash, p);
    }
    return p;
  };
}
