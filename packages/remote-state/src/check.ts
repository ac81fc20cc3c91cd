import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_VERSION, cacheDir, IwpError, type BackendCheck, type ObjectStore, writeFileAtomic } from '@iwp/core';
import { isCasLost } from './locks.js';

/** The `BackendCheck` document (its schema is core's). */
export type { BackendCheck };

/**
 * Proves the store honours conditional writes, as locking on it needs: two racing creates
 * of one new key (exactly one may succeed), a replace and a delete naming a stale ETag
 * (both must be refused). Leaves nothing behind.
 */
export async function checkBackend(store: ObjectStore): Promise<BackendCheck> {
  const key = `.iwp-check/${randomUUID()}.json`;
  const attempt = async (n: number) => {
    try {
      return { n, etag: (await store.put(key, JSON.stringify({ writer: n }), { ifNoneMatch: '*' })).etag };
    } catch (err) {
      if (isCasLost(err)) return undefined;
      throw err;
    }
  };
  try {
    const results = await Promise.all([attempt(1), attempt(2)]);
    const winners = results.filter((r) => r !== undefined);
    const conditionalCreate = winners.length === 1;
    const cur = await store.get(key);
    const stale = '"00000000000000000000000000000000"';
    const conditionalReplace = await refused(() => store.put(key, '{}', { ifMatch: stale }));
    const conditionalDelete = await refused(() => store.delete(key, { ifMatch: stale }));
    const after = await store.get(key);
    const unchanged = after !== undefined && cur !== undefined && after.etag === cur.etag;
    return {
      apiVersion: API_VERSION,
      kind: 'BackendCheck',
      store: store.url,
      ok: conditionalCreate && conditionalReplace && conditionalDelete && unchanged,
      conditionalCreate,
      conditionalReplace: conditionalReplace && unchanged,
      conditionalDelete: conditionalDelete && after !== undefined,
      checkedAt: new Date().toISOString(),
    };
  } finally {
    await store.delete(key).catch(() => undefined);
  }
}

async function refused(op: () => Promise<unknown>): Promise<boolean> {
  try {
    await op();
    return false;
  } catch (err) {
    if (isCasLost(err)) return true;
    throw err;
  }
}

function verdictPath(store: ObjectStore): string {
  const h = createHash('sha256').update(`${store.endpoint ?? 'default'} ${store.url}`).digest('hex').slice(0, 16);
  return join(cacheDir('remote-state', 'backend-checks'), `${h}.json`);
}

/**
 * The store's verdict, checked once per endpoint and store and remembered under
 * `~/.cache/iwp/remote-state`, so a lock costs no extra requests after the first.
 */
export async function ensureSafeBackend(store: ObjectStore, opts: { recheck?: boolean } = {}): Promise<BackendCheck> {
  const path = verdictPath(store);
  if (!opts.recheck) {
    try {
      const v = JSON.parse(await readFile(path, 'utf8')) as BackendCheck;
      if (v.ok) return v;
    } catch {
      /* not checked yet */
    }
  }
  const v = await checkBackend(store);
  if (v.ok) await writeFileAtomic(path, `${JSON.stringify(v)}\n`);
  return v;
}

export function unsafeBackend(v: BackendCheck): IwpError {
  const broken = (['conditionalCreate', 'conditionalReplace', 'conditionalDelete'] as const).filter((k) => !v[k]);
  return new IwpError('UNSAFE_BACKEND', `${v.store} does not honour conditional writes (${broken.join(', ')} failed): locks on it would not be safe`, {
    hint: 'use --lock-table TABLE to keep locks in DynamoDB instead',
    details: { check: v },
  });
}

