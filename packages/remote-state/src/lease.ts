import { doc, parseDuration, type Lock } from '@iwp/core';
import { ensureSafeBackend, unsafeBackend } from './check.js';
import type { LockInfo } from './lock-backend.js';
import type { Stack } from './stack.js';

export function leaseOptions(f: { reason?: string; ttl: string; wait: string; 'steal-expired'?: boolean }) {
  const ttlMs = parseDuration(f.ttl, '--ttl');
  return {
    ttlMs: Math.max(ttlMs, 1000),
    waitMs: parseDuration(f.wait, '--wait'),
    ...(f.reason ? { reason: f.reason } : {}),
    ...(f['steal-expired'] ? { stealExpired: true } : {}),
  };
}

/** Locking on lock.json needs a store that honours conditional writes: checked once, remembered. */
export async function requireSafeLocks(stack: Stack): Promise<void> {
  if (stack.locks.kind !== 'object') return;
  const v = await ensureSafeBackend(stack.store);
  if (!v.ok) throw unsafeBackend(v);
}

export function lockDocument(info: LockInfo): Lock {
  return doc('Lock', { ...info });
}
