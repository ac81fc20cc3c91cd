import { ErrorCode, IwpError, pool, type ObjectStore } from '@iwp/core';
import { encryptionList, type Encryption } from './encryption.js';
import { entryOf, entryWriteOptions, readEntry, type EntryWrite } from './entry.js';
import { sealEnvelope, stateBytes, withDigest, type StateEnvelope } from './envelope.js';
import { parseVersionKey, stackKey, versionOfHistoryKey, versionsPrefix } from './keys.js';
import { baseOf } from './layout.js';
import { acquireLock, isCasLost, releaseLock } from './locks.js';
import type { Stack } from './stack.js';
import { writeVersion } from './write.js';

export interface RekeyResult {
  encryption: string[];
  /** the version written: the current state under the new keys */
  version: number;
  /** objects written again: every other version and history entry */
  rewritten: number;
}

type Sealed = { key: string; etag: string; env: StateEnvelope };

/**
 * Encrypts a stack's state and its whole history under `next`: takes the stack's lock,
 * reads and decrypts every object first (a wrong or missing identity fails here, before
 * anything is written), records the new encryption in stack.json, writes the current state
 * again as a new version under the new keys, then rewrites every other object compare-and-
 * swap on the ETag it was read with. The new version comes first so that a push sealed under
 * the old keys (its lock check passed before this lock was taken) loses its create; one that
 * landed before it is read, sealed again with the rest, and is the state written again.
 * Entries that never became versions are sealed again too: nothing stays under the old keys.
 * Killed part-way, it is run again with the old and new identities and converges.
 */
export async function rekey(stack: Stack, next: Encryption, opts: { ttlMs?: number } = {}): Promise<RekeyResult> {
  await stack.mustExist();
  const held = await acquireLock(stack.locks, stack.name, { ttlMs: opts.ttlMs ?? 300_000, reason: 'rekey' });
  try {
    const read = new Map<string, Sealed>();
    await readAll(stack, read);
    // a stack in the envelope layout keeps its current version in state.json, not in the
    // listings above: decrypted here (it is moved into history by the version written below
    // and sealed again there); any other layout's current version was read above
    const head = await stack.head();
    if (head?.layout === 'envelope') await stack.open(head.env);
    await stack.setEncryption(next);
    const written = await writeAgain(stack, next, held.info.id);
    await readAll(stack, read, written.entry);
    const sse = next.kmsKeyId ? { kmsKeyId: next.kmsKeyId } : {};
    await pool([...read.values()], 4, async (o) => {
      const env = withDigest(await sealEnvelope(o.env, next));
      await rewrite(stack.store, o.key, entryOf(stack.store, env), o.etag, sse);
    });
    // state.json, now the versions layout's marker, holds no state; with SSE-KMS it is
    // still encrypted under the old key, and readers of history read it
    const marker = await stack.store.get(stackKey(stack.name, 'state.json'));
    if (marker && next.kmsKeyId) await rewrite(stack.store, stackKey(stack.name, 'state.json'), { body: marker.body }, marker.etag, sse);
    return { encryption: encryptionList(next), version: written.env.version, rewritten: read.size + (marker && next.kmsKeyId ? 1 : 0) };
  } finally {
    await releaseLock(stack.locks, stack.name, { id: held.info.id, token: held.token }).catch(() => undefined);
  }
}

/** Reads and decrypts every version and history entry not read yet (but `skip`) into `into`. */
async function readAll(stack: Stack, into: Map<string, Sealed>, skip?: string): Promise<void> {
  const [kept, older] = await Promise.all([stack.store.list(versionsPrefix(stack.name)), stack.store.list(`${stack.name}/history/`)]);
  const keys = [...kept.filter((o) => parseVersionKey(o.key) !== undefined), ...older.filter((o) => versionOfHistoryKey(o.key) !== undefined)]
    .map((o) => o.key)
    .filter((k) => k !== skip && !into.has(k));
  await pool(keys, 8, async (key) => {
    const obj = await stack.store.get(key);
    if (obj) into.set(key, { key, etag: obj.etag, env: await stack.open(readEntry(obj, `${stack.store.url}/${key}`)) });
  });
}

/** The current state written again as a new version, sealed under `next`; read again when a push landed first. */
async function writeAgain(stack: Stack, next: Encryption, lockId: string) {
  for (let attempt = 0; ; attempt++) {
    const cur = await stack.current();
    if (!cur) return { env: { version: 0 } as StateEnvelope, entry: undefined };
    const env = await stack.open(cur.env);
    const parsed = { encoding: env.encoding, value: env.encoding === 'json' ? env.state : env.data, bytes: stateBytes(env) };
    try {
      return await writeVersion(stack, parsed, baseOf(cur), { lockId, encryption: next });
    } catch (err) {
      if (!isCasLost(err) || attempt >= 4) throw err;
    }
  }
}

async function rewrite(store: ObjectStore, key: string, entry: EntryWrite, etag: string, sse: { kmsKeyId?: string }): Promise<string> {
  try {
    return (await store.put(key, entry.body, { ifMatch: etag }, entryWriteOptions(entry, sse))).etag;
  } catch (err) {
    throw new IwpError(ErrorCode.CAS_LOST, `${store.url}/${key} changed while it was re-keyed: run rekey again`, { cause: err, details: { key } });
  }
}
