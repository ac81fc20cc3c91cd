import type { ObjectStore } from '@iwp/core';
import { stackKey } from './keys.js';

/** What `lock.json` (or a lock table item) holds: the `Lock` document's fields. */
export interface LockInfo {
  stack: string;
  id: string;
  who: string;
  reason?: string;
  pid?: number;
  created: string;
  expires: string;
  ttlMs: number;
}

/** A lock as read, with the token a conditional replace or delete must name. */
export interface LockEntry {
  info: LockInfo;
  token: string;
}

/**
 * Where locks live. `create` fails with CAS_LOST when a lock exists; `replace` and `remove`
 * fail with CAS_LOST when the lock changed since `token` was read. Each is one request.
 */
export interface LockBackend {
  readonly kind: 'object' | 'table';
  create(info: LockInfo): Promise<string>;
  read(stack: string): Promise<LockEntry | undefined>;
  replace(info: LockInfo, token: string): Promise<string>;
  remove(stack: string, token: string): Promise<void>;
  list(): Promise<LockEntry[]>;
}

/** `<stack>/lock.json` in the state store, written with `If-None-Match: *` / `If-Match`. */
export class ObjectLockBackend implements LockBackend {
  readonly kind = 'object' as const;

  constructor(private readonly store: ObjectStore) {}

  async create(info: LockInfo): Promise<string> {
    return (await this.store.put(stackKey(info.stack, 'lock.json'), lockBody(info), { ifNoneMatch: '*' })).etag;
  }

  async read(stack: string): Promise<LockEntry | undefined> {
    const obj = await this.store.get(stackKey(stack, 'lock.json'));
    return obj && { info: JSON.parse(obj.body.toString('utf8')) as LockInfo, token: obj.etag };
  }

  async replace(info: LockInfo, token: string): Promise<string> {
    return (await this.store.put(stackKey(info.stack, 'lock.json'), lockBody(info), { ifMatch: token })).etag;
  }

  async remove(stack: string, token: string): Promise<void> {
    await this.store.delete(stackKey(stack, 'lock.json'), { ifMatch: token });
  }

  async list(): Promise<LockEntry[]> {
    const keys = (await this.store.list('')).filter((o) => /^[^/]+\/lock\.json$/.test(o.key));
    const out: LockEntry[] = [];
    for (const k of keys) {
      const e = await this.read(k.key.split('/')[0]!);
      if (e) out.push(e);
    }
    return out;
  }
}

function lockBody(info: LockInfo): string {
  return `${JSON.stringify(info, null, 2)}\n`;
}
