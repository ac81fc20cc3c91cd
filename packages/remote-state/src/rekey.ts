import { ErrorCode, IwpError, pool, type ObjectStore } from '@iwp/core';
import { encryptionList, type Encryption } from './encryption.js';
import { entryOf, entryWriteOptions, readEntry, type EntryWrite } from './entry.js';
import { sealEnvelope, withDigest, type StateEnvelope } from './envelope.js';
import { stackKey, versionOfHistoryKey } from './keys.js';
import { envelopeBody, pointerBody, pointerOf, readStateObject } from './layout.js';
import { acquireLock, releaseLock } from './locks.js';
import type { Stack } from './stack.js';

export interface RekeyResult {
  encryption: string[];
  /** objects written again: every history entry and state.json */
  rewritten: number;
}

/**
 * Encrypts a stack's state and its whole history under `next`: takes the stack's lock,
 * reads and decrypts every object first (a wrong or missing identity fails here, before
 * anything is written), records the new encryption in stack.json, then rewrites each
 * object compare-and-swap on the ETag it was read with, state.json (a pointer, or a whole
 * envelope in the old layout) last. Entries that never became versions (a push killed before
 * its commit) are sealed again too: nothing stays under the old keys. Versions do not
 * change. Killed part-way, it is run again with the old and new identities and converges.
 */
export async function rekey(stack: Stack, next: Encryption, opts: { ttlMs?: number } = {}): Promise<RekeyResult> {
  await stack.mustExist();
  const held = await acquireLock(stack.locks, stack.name, { ttlMs: opts.ttlMs ?? 300_000, reason: 'rekey' });
  try {
    const keys = (await stack.store.list(`${stack.name}/history/`)).map((o) => o.key).filter((k) => versionOfHistoryKey(k) !== undefined);
    const stateKey = stackKey(stack.name, 'state.json');
    const state = await stack.store.get(stateKey);
    const current = state && readStateObject(state.body, `${stack.store.url}/${stack.name}/state.json`);
    const objects = (
      await pool(keys, 8, async (key) => {
        const obj = await stack.store.get(key);
        return obj && { key, etag: obj.etag, env: await stack.open(readEntry(obj, `${stack.store.url}/${key}`)) };
      })
    ).filter((o) => o !== undefined);
    if (state && current?.layout === 'envelope') objects.push({ key: stateKey, etag: state.etag, env: await stack.open(current.env) });
    const sse = next.kmsKeyId ? { kmsKeyId: next.kmsKeyId } : {};
    // the pointer is marked before stack.json changes: a push sealed under the encryption of
    // the pointer it read loses its swap (and reads stack.json), and one based on the marked
    // pointer reads stack.json first (baseOf), also if this run is killed part-way
    let stateEtag = state?.etag;
    if (state && current?.layout === 'pointer') {
      stateEtag = await rewrite(stack.store, stateKey, pointerBody({ ...current.pointer, ...{ rekeying: encryptionList(next) } }), state.etag, sse);
    }
    await stack.setEncryption(next);
    const sealed = new Map<string, StateEnvelope>();
    await pool(objects, 4, async (o) => {
      const env = withDigest(await sealEnvelope(o.env, next));
      sealed.set(o.key, env);
      // state.json of the old layout stays a whole envelope (readStateObject reads only that)
      const body = o.key === stateKey ? envelopeBody(env) : entryOf(stack.store, env);
      await rewrite(stack.store, o.key, body, o.etag, sse);
    });
    let rewritten = objects.length;
    if (state && current?.layout === 'pointer') {
      const entry = stackKey(stack.name, current.pointer.body);
      const env = sealed.get(entry);
      if (env) {
        await rewrite(stack.store, stateKey, pointerBody(pointerOf(withDigest(env), entry)), stateEtag!, sse);
        rewritten++;
      }
    }
    return { encryption: encryptionList(next), rewritten };
  } finally {
    await releaseLock(stack.locks, stack.name, { id: held.info.id, token: held.token }).catch(() => undefined);
  }
}

async function rewrite(store: ObjectStore, key: string, body: string | Buffer | EntryWrite, etag: string, sse: { kmsKeyId?: string }): Promise<string> {
  const entry = typeof body === 'string' || Buffer.isBuffer(body) ? { body } : body;
  try {
    return (await store.put(key, entry.body, { ifMatch: etag }, entryWriteOptions(entry, sse))).etag;
  } catch (err) {
    throw new IwpError(ErrorCode.CAS_LOST, `${store.url}/${key} changed while it was re-keyed: run rekey again`, { cause: err, details: { key } });
  }
}
