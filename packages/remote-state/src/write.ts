import { randomUUID } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { ErrorCode, IwpError, type ObjectStore, type WriteOptions as StoreWriteOptions } from '@iwp/core';
import { isCommitted } from './chain.js';
import { parseEncrypt, sameEncryption, type Encryption } from './encryption.js';
import { makeEnvelope, sealEnvelope, withDigest, type parseState, type StateEnvelope } from './envelope.js';
import { entryKey, historyKey, stackKey } from './keys.js';
import { entryOf, entryWriteOptions } from './entry.js';
import { baseOf, headerOf, pointerBody, pointerOf, prepareState, readStateObject, type Current, type Expect, type Layout, type Prepared } from './layout.js';
import { isCasLost, whoAmI } from './locks.js';
import type { Stack } from './stack.js';

export interface WriteOptions {
  /** the lock the writer holds, if any: anyone else's live lock refuses the write */
  lockId?: string;
  /** marks the version written (letters, digits, "_", "-"); a caller records it before the write (see `earlierWriteId`) */
  writeId?: string;
  /** the id of an earlier run of this push whose answer never came: if it landed, it is ours */
  earlierWriteId?: string;
}

type Parsed = ReturnType<typeof parseState>;
type Base = { version: number | null; etag: string | null; layout?: Layout; writeId?: string | null; encryption?: string[] };
/** a version sealed and written to its own history entry (`key`), not committed yet */
type Staged = { env: StateEnvelope & { sha256: string }; entry: ReturnType<typeof entryOf>; sse: StoreWriteOptions; enc: Encryption; key: string };
type Seal = (enc: Encryption) => Promise<Staged>;

/**
 * Writes version N+1 of a stack. The envelope goes to the writer's own history entry while
 * the lock is checked (and stack.json read); then `state.json` is pointed at it, compare-and-
 * swap on version N: that swap is the commit. Of two writers based on N one swaps, the other
 * is CAS_LOST (exit 3) and deletes its entry; a writer that finds someone else's live lock
 * deletes its entry before it could swap. `--force` (`expect: 'force'`) retries a lost race.
 */
export async function writeVersion(stack: Stack, parsed: Parsed, expect: Expect, opts: WriteOptions = {}): Promise<Current> {
  const writeId = opts.writeId ?? randomUUID();
  for (let attempt = 0; ; attempt++) {
    try {
      return await writeOnce(stack, parsed, expect, { ...opts, writeId });
    } catch (err) {
      if (expect !== 'force' || !isCasLost(err) || attempt >= 4) throw err;
    }
  }
}

async function writeOnce(stack: Stack, parsed: Parsed, expect: Expect, opts: WriteOptions & { writeId: string }): Promise<Current> {
  const lock = stack.checkLock(opts.lockId);
  lock.catch(() => undefined);
  // state.json is read first only when the base is not known well enough to name the entry
  const needHead = expect === 'force' || expect.layout === undefined || expect.writeId === undefined;
  // the encryption as this Stack read stack.json, else as the base version had it (see
  // Expect: a re-key since then changed state.json, so the swap fails and seals again),
  // else stack.json is read first
  const known = stack.knownEncryption();
  const hint = !known && expect !== 'force' && expect.encryption ? parseEncrypt(expect.encryption, 'the base version (encryption)') : undefined;
  const reads = Promise.all([known ?? hint ?? stack.encryption(), needHead ? stack.head() : undefined]);
  reads.catch(() => undefined);
  // those requests go out before the state is hashed (and so is an envelope's body up to
  // the end of the state: the SDK need not hash 5 MB again), which holds this thread: the
  // SDK writes a request to its socket on the second turn of the event loop after it is
  // sent (measured: after one, the lock read waited for the hash). They are answered while
  // it hashes, and their answers are taken in before the entry goes up.
  await tick();
  await tick();
  const prepared = await prepareState(parsed, !stack.store.keepsMetadata);
  const draft = { ...makeEnvelope(stack.name, 0, whoAmI(), parsed, new Date(), prepared.sha256), writeId: opts.writeId };
  const [enc, head] = await reads;
  const base = resolveBase(stack, expect, head);
  if (base.etag === null) await stack.mustExist();
  const version = (base.version ?? 0) + 1;
  const key = entryKey(stack.name, version, opts.writeId, base.writeId);
  const seal: Seal = async (e) => ({ ...(await sealed(stack.store, { ...draft, version }, parsed, e, prepared)), key });
  const v = await seal(enc);
  const put = putEntry(stack, v);
  put.catch(() => undefined);
  // the entry's request is made and sent first; the swap is prepared on the event loop's
  // next turn, while the entry uploads, and sent once the entry is stored and the lock read
  // answered
  await tick();
  const staged = stage(stack, v, base, put, lock);
  staged.catch(() => undefined);
  return commit(stack, v, base, opts, seal, staged);
}

async function sealed(store: ObjectStore, env: StateEnvelope, parsed: Parsed, enc: Encryption, prepared: Prepared): Promise<Omit<Staged, 'key'>> {
  const sealedEnv = withDigest(await sealEnvelope(env, enc));
  return { env: sealedEnv, entry: entryOf(store, sealedEnv, parsed, prepared), sse: enc.kmsKeyId ? { kmsKeyId: enc.kmsKeyId } : {}, enc };
}

/** The version the write replaces; when state.json was read, checked against what the caller expected. */
function resolveBase(stack: Stack, expect: Expect, head: Current | undefined): Base {
  if (expect === 'force') return baseOf(head) as Base;
  if (expect.layout !== undefined && expect.writeId !== undefined) return expect;
  if (!head && expect.etag === null) return expect;
  if (head && head.env.version === expect.version) return baseOf(head) as Base;
  throw casLostError(stack, expect.version);
}

export function casLostError(stack: Stack, version: number | null): IwpError {
  return new IwpError(ErrorCode.CAS_LOST, `stack ${stack.name} changed since version ${version ?? 'none'} was pulled: pull, merge and push again`, {
    hint: 'remote-state pull gives the current version; --force overwrites it',
    details: { stack: stack.name, expectedVersion: version },
  });
}

/**
 * The entry (`put`, under way) is written while the lock check (and, from the old layout,
 * the copy of the current version into history) completes. Anyone else's live lock: the
 * entry, which nothing names, is deleted and the push fails as it would have before writing.
 */
async function stage(stack: Stack, v: Staged, base: Base, put: Promise<void>, lock: Promise<unknown>): Promise<void> {
  const legacy = base.layout === 'envelope' && base.version !== null && base.etag !== null ? keepLegacyVersion(stack, base.version, base.etag, v.sse) : undefined;
  const [entry, held, kept] = await Promise.allSettled([put, lock, legacy]);
  const refused = held.status === 'rejected' ? held : kept.status === 'rejected' ? kept : undefined;
  if (refused) {
    await dropEntry(stack, v.key);
    throw refused.reason;
  }
  if (entry.status === 'rejected') throw entry.reason;
}

async function restage(stack: Stack, next: Staged): Promise<Staged> {
  await putEntry(stack, next);
  return next;
}

/** One unconditional write: the key is this writer's own, so an SDK retry writes the same bytes again. */
async function putEntry(stack: Stack, v: Staged): Promise<void> {
  await stack.store.put(v.key, v.entry.body, {}, entryWriteOptions(v.entry, v.sse));
}

async function dropEntry(stack: Stack, key: string): Promise<void> {
  await stack.store.delete(key).catch(() => undefined);
}

/**
 * The commit: state.json points at the entry, compare-and-swap on the base's ETag. A lost
 * swap reads state.json: our own write (an SDK retry of a swap whose answer was lost, or
 * `earlierWriteId`) is success; the base version changed in place (a re-key, the old
 * layout's migration) swaps again, the lock checked again and the version sealed under the
 * stack's encryption now; anything else
 * is someone else's version: our entry is deleted unless it is a version already.
 */
async function commit(stack: Stack, v: Staged, base: Base, opts: WriteOptions, seal: Seal, staged: Promise<void>): Promise<Current> {
  const key = stackKey(stack.name, 'state.json');
  const earlierWriteId = opts.earlierWriteId;
  for (let attempt = 0, etag = base.etag; ; attempt++) {
    try {
      const after = attempt === 0 ? { after: staged } : {};
      const out = await stack.store.put(key, pointerBody(pointerOf(v.env, v.key)), etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag }, { ...v.sse, ...after });
      if (earlierWriteId && earlierWriteId !== v.env.writeId) await dropEarlier(stack, v.env.version, earlierWriteId, base.writeId);
      return { env: v.env, etag: out.etag, layout: 'pointer', entry: v.key };
    } catch (err) {
      await staged; // a failed stage fails the push, whatever became of the swap waiting on it
      if (!isCasLost(err) || attempt >= 5) throw err;
    }
    const obj = await stack.store.get(key);
    const s = obj && readStateObject(obj.body, `${stack.store.url}/${key}`);
    const at = s && (s.layout === 'pointer' ? headerOf(s.pointer) : s.env);
    if (obj && s && at?.writeId !== undefined && (at.writeId === v.env.writeId || at.writeId === earlierWriteId)) {
      if (at.writeId !== v.env.writeId) await dropEntry(stack, v.key);
      const entry = s.layout === 'pointer' ? stackKey(stack.name, s.pointer.body) : undefined;
      return { env: at.writeId === v.env.writeId ? v.env : at, etag: obj.etag, layout: s.layout, ...(entry ? { entry } : {}) };
    }
    if ((at?.version ?? null) === base.version) {
      // changed in place by a holder of the lock (a re-key), maybe still holding it: checked again
      await stack.checkLock(opts.lockId).catch(async (err: unknown) => {
        await dropEntry(stack, v.key);
        throw err;
      });
      if (obj && at && s?.layout === 'envelope') await keepLegacyVersion(stack, at.version, obj.etag, v.sse);
      const now = await stack.encryption(true);
      if (!sameEncryption(now, v.enc)) v = await restage(stack, await seal(now));
      etag = obj?.etag ?? null;
      continue;
    }
    // our swap landed and someone else's followed before we read: a version, but not the
    // current one; no ETag to base a push on is returned (a push based on it loses)
    if (at && at.version > v.env.version && (await isCommitted(stack, v.key))) return { env: v.env, etag: '"superseded"', layout: 'pointer' };
    await dropEntry(stack, v.key);
    throw casLostError(stack, base.version);
  }
}

/** The entry of an earlier run of this push that did not commit (ours did, on the same base): deleted. */
async function dropEarlier(stack: Stack, version: number, earlierWriteId: string, baseWriteId: string | null | undefined): Promise<void> {
  let key: string;
  try {
    key = entryKey(stack.name, version, earlierWriteId, baseWriteId);
  } catch {
    return;
  }
  await dropEntry(stack, key);
}

/**
 * A stack in the old layout keeps its current version whole in state.json, and its history
 * entry may be missing (a push killed before its copy): it is copied into history before
 * state.json becomes a pointer, so no version is lost on migration.
 */
async function keepLegacyVersion(stack: Stack, version: number, etag: string, sse: StoreWriteOptions): Promise<void> {
  if (await stack.store.head(historyKey(stack.name, version))) return;
  await stack.store.copy(stackKey(stack.name, 'state.json'), historyKey(stack.name, version), etag, sse).catch((err: unknown) => {
    if (!isCasLost(err)) throw err;
  });
}
