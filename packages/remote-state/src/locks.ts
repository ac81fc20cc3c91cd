import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, IwpError } from '@iwp/core';
import type { LockBackend, LockEntry, LockInfo } from './lock-backend.js';

export interface AcquireOptions {
  reason?: string;
  ttlMs: number;
  /** how long to keep trying while someone else holds the lock (0: fail at once) */
  waitMs?: number;
  /** take over a lock whose lease has expired */
  stealExpired?: boolean;
  now?: () => number;
  /** called while waiting, with the current holder */
  onWait?: (holder: LockInfo) => void;
}

export function whoAmI(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    /* no passwd entry: keep $USER */
  }
  return `${user}@${hostname()}`;
}

export function isExpired(info: LockInfo, now = Date.now()): boolean {
  return Date.parse(info.expires) <= now;
}

/**
 * Takes the stack's lock: one conditional create when it is free. While it is held the
 * holder is re-read and the create retried with jittered backoff until `waitMs` has
 * passed; with `stealExpired` an expired lease is replaced conditionally on the token
 * read, so two stealers cannot both win. Throws LOCK_HELD (exit 3) naming the holder.
 */
export async function acquireLock(backend: LockBackend, stack: string, opts: AcquireOptions): Promise<LockEntry> {
  const now = opts.now ?? Date.now;
  const deadline = now() + (opts.waitMs ?? 0);
  const fresh = (): LockInfo => {
    const t = now();
    return {
      stack,
      id: randomUUID(),
      who: whoAmI(),
      ...(opts.reason ? { reason: opts.reason } : {}),
      pid: process.pid,
      created: new Date(t).toISOString(),
      expires: new Date(t + opts.ttlMs).toISOString(),
      ttlMs: opts.ttlMs,
    };
  };
  for (let attempt = 0; ; attempt++) {
    const info = fresh();
    try {
      return { info, token: await backend.create(info) };
    } catch (err) {
      if (!isCasLost(err)) throw err;
    }
    const holder = await backend.read(stack);
    if (!holder) continue; // released between our create and read: try again at once
    // our own create, whose answer was lost and retried into a 412
    if (holder.info.id === info.id) return { info, token: holder.token };
    if (opts.stealExpired && isExpired(holder.info, now())) {
      try {
        return { info, token: await backend.replace(info, holder.token) };
      } catch (err) {
        if (!isCasLost(err)) throw err;
        continue; // renewed or stolen by someone else meanwhile
      }
    }
    if (now() >= deadline) throw lockHeld(holder.info, now());
    opts.onWait?.(holder.info);
    const backoff = Math.min(500, 25 * 1.5 ** Math.min(attempt, 12));
    await sleep(Math.min(backoff * (0.5 + Math.random()), Math.max(1, deadline - now())));
  }
}

/** Extends the lease by its TTL; LOCK_LOST when someone stole or removed it. */
export async function renewLock(backend: LockBackend, held: LockEntry, now = Date.now()): Promise<LockEntry> {
  const info: LockInfo = { ...held.info, expires: new Date(now + held.info.ttlMs).toISOString() };
  try {
    return { info, token: await backend.replace(info, held.token) };
  } catch (err) {
    if (isCasLost(err)) throw lockLost(held.info);
    throw err;
  }
}

/**
 * Releases a lock by id: one conditional delete when the token is known, else a read
 * first. Someone else's lock is refused (LOCK_HELD, exit 3) unless `force`.
 */
export async function releaseLock(
  backend: LockBackend,
  stack: string,
  opts: { id?: string; token?: string; force?: boolean } = {},
): Promise<LockInfo | undefined> {
  if (opts.token && opts.id && !opts.force) {
    try {
      await backend.remove(stack, opts.token);
      return undefined;
    } catch (err) {
      if (!isCasLost(err)) throw err; // renewed since, or someone else's now: read and decide
    }
  }
  for (;;) {
    const cur = await backend.read(stack);
    if (!cur) {
      if (opts.force) return undefined;
      throw new IwpError(ErrorCode.NOT_FOUND, `stack ${stack} is not locked`, { details: { stack } });
    }
    if (!opts.force && cur.info.id !== opts.id) {
      throw new IwpError(ErrorCode.LOCK_HELD, `the lock of ${stack} is held by ${cur.info.who} (id ${cur.info.id}), not by ${opts.id ?? 'you'}`, {
        hint: 'an operator can remove it with: remote-state unlock --force',
        details: { stack, holder: cur.info },
      });
    }
    try {
      await backend.remove(stack, cur.token);
      return cur.info;
    } catch (err) {
      if (!isCasLost(err)) throw err;
    }
  }
}

export function isCasLost(err: unknown): boolean {
  return err instanceof IwpError && err.code === ErrorCode.CAS_LOST;
}

export function lockHeld(holder: LockInfo, now = Date.now()): IwpError {
  const left = Date.parse(holder.expires) - now;
  const lease = left > 0 ? `lease ends in ${Math.ceil(left / 1000)}s` : `lease expired ${Math.ceil(-left / 1000)}s ago; --steal-expired takes it`;
  return new IwpError(
    ErrorCode.LOCK_HELD,
    `stack ${holder.stack} is locked by ${holder.who}${holder.reason ? ` (${holder.reason})` : ''} since ${holder.created}, ${lease}`,
    { details: { holder } },
  );
}

function lockLost(info: LockInfo): IwpError {
  return new IwpError('LOCK_LOST', `the lock of ${info.stack} (id ${info.id}) was taken over or removed`, { exitCode: 3, details: { stack: info.stack, id: info.id } });
}
