import pMap from 'p-map';

/**
 * Runs `fn` over the items, at most `n` at a time; the results in the items' order. The one
 * bounded-concurrency helper of the tools, on p-map (which cache-ctl also uses directly): the
 * first failure rejects and no further item starts.
 */
export function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  return pMap(items, (item) => fn(item), { concurrency: Math.max(1, n) });
}
