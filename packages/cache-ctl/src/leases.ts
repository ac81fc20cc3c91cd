import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import pMap from 'p-map';
import { API_VERSION, startHeartbeat, type Heartbeat, type ObjectStore } from '@iwp/core';

/** Where leases live in the cache; nix ignores keys it does not know. */
export const LEASES = 'iwp-leases/';
export const DEFAULT_LEASE_MS = 120_000;

/**
 * A push or a gc in progress, written to the cache before it touches anything. A push lists
 * the hash parts of its whole closure and the NAR keys it may upload; gc keeps them.
 * Renewed every third of its TTL; a lease past `expires` is from a process that died.
 */
export interface CacheLease {
  apiVersion: typeof API_VERSION;
  kind: 'CacheLease';
  role: 'push' | 'gc';
  id: string;
  who: string;
  pid: number;
  created: string;
  expires: string;
  ttlMs: number;
  paths: string[];
  nars: string[];
}

export interface HeldLease {
  lease: CacheLease;
  heartbeat: Heartbeat;
  release(): Promise<void>;
}

const keyOf = (l: Pick<CacheLease, 'role' | 'id'>) => `${LEASES}${l.role}-${l.id}.json`;

export async function takeLease(store: ObjectStore, role: CacheLease['role'], what: { paths?: string[]; nars?: string[] }, ttlMs = DEFAULT_LEASE_MS): Promise<HeldLease> {
  const now = Date.now();
  const lease: CacheLease = {
    apiVersion: API_VERSION,
    kind: 'CacheLease',
    role,
    id: randomUUID(),
    who: `${process.env.USER ?? 'unknown'}@${hostname()}`,
    pid: process.pid,
    created: new Date(now).toISOString(),
    expires: new Date(now + ttlMs).toISOString(),
    ttlMs,
    paths: what.paths ?? [],
    nars: what.nars ?? [],
  };
  const write = () => store.put(keyOf(lease), `${JSON.stringify(lease)}\n`);
  await write();
  // only the owner writes its lease: a plain put renews it
  const heartbeat = startHeartbeat(async () => {
    lease.expires = new Date(Date.now() + ttlMs).toISOString();
    await write();
  }, Math.max(200, Math.floor(ttlMs / 3)));
  return {
    lease,
    heartbeat,
    release: async () => {
      await heartbeat.stop();
      await store.delete(keyOf(lease)).catch(() => undefined);
    },
  };
}

/** Every lease in the cache, live and expired. */
export async function readLeases(store: ObjectStore, role?: CacheLease['role']): Promise<{ live: CacheLease[]; expired: CacheLease[] }> {
  // with a role, only its leases are listed and read (their keys start with it: keyOf)
  const keys = (await store.list(role ? `${LEASES}${role}-` : LEASES)).map((o) => o.key).filter((k) => k.endsWith('.json'));
  const leases = await pMap(keys, async (k) => {
    const obj = await store.get(k);
    try {
      return obj ? (JSON.parse(obj.body.toString('utf8')) as CacheLease) : undefined;
    } catch {
      return undefined; // not ours, or cut short: ignore
    }
  }, { concurrency: 8 });
  const now = Date.now();
  const all = leases.filter((l): l is CacheLease => l?.kind === 'CacheLease');
  return { live: all.filter((l) => Date.parse(l.expires) > now), expired: all.filter((l) => Date.parse(l.expires) <= now) };
}

/** Removes leases of processes that died (gc does this). */
export async function dropExpired(store: ObjectStore, expired: CacheLease[]): Promise<void> {
  await pMap(expired, (l) => store.delete(keyOf(l)).catch(() => undefined), { concurrency: 8 });
}

/**
 * Waits while a gc holds a live lease. A push calls this after writing its own lease: gc
 * reads the push leases after writing its own, so either gc saw this push (and keeps what
 * it lists) or this push sees gc and starts only when it is done.
 */
export async function waitForGc(store: ObjectStore, onWait?: (gc: CacheLease) => void, pollMs = 250): Promise<void> {
  for (;;) {
    const gc = (await readLeases(store, 'gc')).live.find((l) => l.role === 'gc');
    if (!gc) return;
    onWait?.(gc);
    await sleep(pollMs);
  }
}
