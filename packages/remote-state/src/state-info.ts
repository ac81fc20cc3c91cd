import { doc, type StateInfo } from '@iwp/core';
import { encryptionList } from './encryption.js';
import type { Current } from './layout.js';
import type { LockInfo } from './lock-backend.js';
import { isExpired } from './locks.js';
import type { Stack } from './stack.js';

/** The `StateInfo` document of a version (and the lock, when it was read). */
export function stateInfo(stack: Stack, cur: Current | undefined, lock: LockInfo | undefined): StateInfo {
  const enc = cur?.env.encryption;
  return doc('StateInfo', {
    stack: stack.name,
    store: stack.store.url,
    version: cur?.env.version ?? null,
    ...(cur
      ? { etag: cur.etag, updatedBy: cur.env.updatedBy, updatedAt: cur.env.updatedAt, sha256: cur.env.sha256, size: cur.env.size, encoding: cur.env.encoding }
      : {}),
    ...(enc ? { encryption: encryptionList({ ...(enc.kms ? { kmsKeyId: enc.kms } : {}), ...(enc.age ? { age: enc.age } : {}) }) } : {}),
    lock: lock ? { ...lock, expired: isExpired(lock) } : null,
  });
}

/** `status`: the current version's metadata (one small read) and the lock. */
export async function stackInfo(stack: Stack): Promise<StateInfo> {
  const [cur, lock] = await Promise.all([stack.head(), stack.locks.read(stack.name)]);
  if (!cur) await stack.mustExist();
  return stateInfo(stack, cur, lock?.info);
}
