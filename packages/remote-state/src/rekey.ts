import { ErrorCode, IwpError, pool } from '@iwp/core';
import { encryptionList, type Encryption } from './encryption.js';
import { readEnvelope, sealEnvelope, type StateEnvelope } from './envelope.js';
import { stackKey, versionOfHistoryKey } from './keys.js';
import { acquireLock, releaseLock } from './locks.js';
import type { Stack } from './stack.js';

export interface RekeyResult {
  encryption: string[];
  /** objects written again: state.json and every history entry */
  rewritten: number;
}

/**
 * Encrypts a stack's state and its whole history under `next`: takes the stack's lock,
 * reads and decrypts every object first (a wrong or missing identity fails here, before
 * anything is written), records the new encryption in stack.json, then rewrites each
 * object compare-and-swap on the ETag it was read with. Versions do not change. Killed
 * part-way, it is run again with the old and new identities and converges.
 */
export async function rekey(stack: Stack, next: Encryption, opts: { ttlMs?: number } = {}): Promise<RekeyResult> {
  await stack.mustExist();
  const held = await acquireLock(stack.locks, stack.name, { ttlMs: opts.ttlMs ?? 300_000, reason: 'rekey' });
  try {
    const keys = [
      stackKey(stack.name, 'state.json'),
      ...(await stack.store.list(`${stack.name}/history/`)).map((o) => o.key).filter((k) => versionOfHistoryKey(k) !== undefined),
    ];
    const objects = (
      await pool(keys, 8, async (key) => {
        const obj = await stack.store.get(key);
        if (!obj) return undefined;
        const env: StateEnvelope = await stack.open(readEnvelope(obj.body, `${stack.store.url}/${key}`));
        return { key, etag: obj.etag, env };
      })
    ).filter((o) => o !== undefined);
    await stack.setEncryption(next);
    const sse = next.kmsKeyId ? { kmsKeyId: next.kmsKeyId } : {};
    await pool(objects, 4, async (o) => {
      const body = `${JSON.stringify(await sealEnvelope(o.env, next))}\n`;
      await stack.store.put(o.key, body, { ifMatch: o.etag }, sse).catch((err: unknown) => {
        throw new IwpError(ErrorCode.CAS_LOST, `${stack.store.url}/${o.key} changed while it was re-keyed: run rekey again`, { cause: err, details: { key: o.key } });
      });
    });
    return { encryption: encryptionList(next), rewritten: objects.length };
  } finally {
    await releaseLock(stack.locks, stack.name, { id: held.info.id, token: held.token }).catch(() => undefined);
  }
}
