import { API_VERSION, doc, ErrorCode, IwpError, type ObjectStore, type StateInfo } from '@iwp/core';
import { makeEnvelope, readEnvelope, stateBytes, type parseState, type StateEnvelope } from './envelope.js';
import { historyKey, stackKey, versionOfHistoryKey } from './keys.js';
import type { LockBackend, LockInfo } from './lock-backend.js';
import { isCasLost, isExpired, lockHeld, whoAmI } from './locks.js';

/** The version a push replaces: what was pulled (`etag` null: no state yet), or `force`. */
export type Expect = { version: number | null; etag: string | null } | 'force';

export interface Current {
  env: StateEnvelope;
  etag: string;
}

export interface HistoryEntry {
  version: number;
  size: number;
  modified: string;
}

/**
 * One stack in a store: `stack.json` (created by init), `state.json` (current),
 * `history/<version>.json` (every accepted write), `lock.json`. A push is a
 * compare-and-swap of `state.json` on the ETag it was based on, then a create-only write of
 * its history entry; a lost race is CAS_LOST (exit 3) and nothing is written.
 */
export class Stack {
  constructor(
    readonly store: ObjectStore,
    readonly locks: LockBackend,
    readonly name: string,
  ) {}

  async init(): Promise<boolean> {
    const body = JSON.stringify({ apiVersion: API_VERSION, kind: 'Stack', name: this.name, createdBy: whoAmI(), created: new Date().toISOString() }, null, 2);
    try {
      await this.store.put(stackKey(this.name, 'stack.json'), `${body}\n`, { ifNoneMatch: '*' });
      return true;
    } catch (err) {
      if (isCasLost(err)) return false;
      throw err;
    }
  }

  async exists(): Promise<boolean> {
    return (await this.store.get(stackKey(this.name, 'stack.json'))) !== undefined;
  }

  /** NOT_FOUND naming the stack, when it was never initialised */
  async mustExist(): Promise<void> {
    if (!(await this.exists())) {
      throw new IwpError(ErrorCode.NOT_FOUND, `stack ${this.name} not found in ${this.store.url}`, {
        hint: `remote-state init --stack ${this.name}`,
        details: { stack: this.name, store: this.store.url },
      });
    }
  }

  async current(): Promise<Current | undefined> {
    const obj = await this.store.get(stackKey(this.name, 'state.json'));
    return obj && { env: readEnvelope(obj.body, `${this.store.url}/${this.name}/state.json`), etag: obj.etag };
  }

  /** The current state, or a version from history; NOT_FOUND for an unknown stack or version. */
  async pull(version?: number): Promise<Current> {
    if (version !== undefined) {
      const obj = await this.store.get(historyKey(this.name, version));
      if (obj) return { env: readEnvelope(obj.body, `history ${version}`), etag: obj.etag };
      await this.mustExist();
      throw new IwpError(ErrorCode.NOT_FOUND, `stack ${this.name} has no version ${version}`, { details: { stack: this.name, version } });
    }
    const cur = await this.current();
    if (cur) return cur;
    await this.mustExist();
    throw new IwpError(ErrorCode.NOT_FOUND, `stack ${this.name} has no state yet`, { hint: 'remote-state push FILE writes the first version', details: { stack: this.name } });
  }

  /** Refuses when someone else holds a live lock on the stack. */
  async checkLock(myLockId: string | undefined): Promise<LockInfo | undefined> {
    const held = await this.locks.read(this.name);
    if (held && held.info.id !== myLockId && !isExpired(held.info)) throw lockHeld(held.info);
    return held?.info;
  }

  async push(parsed: ReturnType<typeof parseState>, expect: Expect, opts: { lockId?: string } = {}): Promise<Current> {
    await this.checkLock(opts.lockId);
    let base = expect;
    if (base === 'force') {
      const cur = await this.current();
      base = cur ? { version: cur.env.version, etag: cur.etag } : { version: null, etag: null };
    }
    if (base.etag === null) await this.mustExist();
    const env = makeEnvelope(this.name, (base.version ?? 0) + 1, whoAmI(), parsed);
    const body = `${JSON.stringify(env)}\n`;
    let etag: string;
    try {
      etag = (await this.store.put(stackKey(this.name, 'state.json'), body, base.etag === null ? { ifNoneMatch: '*' } : { ifMatch: base.etag })).etag;
    } catch (err) {
      if (isCasLost(err)) {
        throw new IwpError(ErrorCode.CAS_LOST, `stack ${this.name} changed since version ${base.version ?? 'none'} was pulled: pull, merge and push again`, {
          hint: 'remote-state pull gives the current version; --force overwrites it',
          details: { stack: this.name, expectedVersion: base.version },
        });
      }
      throw err;
    }
    try {
      // a server-side copy of exactly the version written: the bytes are not sent twice
      await this.store.copy(stackKey(this.name, 'state.json'), historyKey(this.name, env.version), etag);
    } catch (err) {
      if (!isCasLost(err)) throw err;
      // already replaced by the next version: write the entry from our own bytes
      await this.store.put(historyKey(this.name, env.version), body, { ifNoneMatch: '*' }).catch((e: unknown) => {
        if (!isCasLost(e)) throw e;
      });
    }
    return { env, etag };
  }

  async history(): Promise<HistoryEntry[]> {
    const items = (await this.store.list(`${this.name}/history/`)).flatMap((o) => {
      const version = versionOfHistoryKey(o.key);
      return version === undefined ? [] : [{ version, size: o.size, modified: o.modified }];
    });
    if (items.length === 0) await this.mustExist();
    return items;
  }

  /** A new version whose state equals version `to`. */
  async rollback(to: number, opts: { lockId?: string } = {}): Promise<Current> {
    const old = await this.pull(to);
    const cur = await this.current();
    const parsed = { encoding: old.env.encoding, value: old.env.encoding === 'json' ? old.env.state : old.env.data, bytes: stateBytes(old.env) };
    return this.push(parsed, cur ? { version: cur.env.version, etag: cur.etag } : { version: null, etag: null }, opts);
  }

  async info(): Promise<StateInfo> {
    const cur = await this.current();
    if (!cur) await this.mustExist();
    const lock = await this.locks.read(this.name);
    return stateInfo(this, cur, lock?.info);
  }
}

export function stateInfo(stack: Stack, cur: Current | undefined, lock: LockInfo | undefined): StateInfo {
  return doc('StateInfo', {
    stack: stack.name,
    store: stack.store.url,
    version: cur?.env.version ?? null,
    ...(cur
      ? { etag: cur.etag, updatedBy: cur.env.updatedBy, updatedAt: cur.env.updatedAt, sha256: cur.env.sha256, size: cur.env.size, encoding: cur.env.encoding }
      : {}),
    lock: lock ? { ...lock, expired: isExpired(lock) } : null,
  });
}
