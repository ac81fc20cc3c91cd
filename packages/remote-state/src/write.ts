import { randomUUID, type Hash } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { ErrorCode, IwpError, type WriteOptions as StoreWriteOptions } from '@iwp/core';
import { sameEncryption, type Encryption } from './encryption.js';
import { makeEnvelope, readEnvelope, sealEnvelope, withDigest, type parseState, type StateEnvelope } from './envelope.js';
import { historyKey, stackKey } from './keys.js';
import { baseOf, bodyHash, bodyPrefixHash, envelopeBody, pointerBody, pointerOf, readStateObject, type Current, type Expect, type Layout } from './layout.js';
import { isCasLost, whoAmI } from './locks.js';
import type { Stack } from './stack.js';

export interface WriteOptions {
  /** the lock the writer holds, if any: anyone else's live lock refuses the write */
  lockId?: string;
  /** marks the version written; a caller records it before the write (see `earlierWriteId`) */
  writeId?: string;
  /** the id of an earlier run of this push whose answer never came: its landed write is ours */
  earlierWriteId?: string;
}

type Parsed = ReturnType<typeof parseState>;
type Base = { version: number | null; etag: string | null; layout?: Layout };
/** a version ready to commit: its envelope as stored, the bytes, the SSE options */
type Sealed = { env: StateEnvelope; body: Buffer; sse: StoreWriteOptions; enc: Encryption; bodySha256: string | undefined };

/**
 * Writes version N+1 of a stack. The reads it depends on (the lock, stack.json, and
 * state.json when its layout is not known) go out together; then the envelope is written
 * once, create-only, to `history/N+1` (the commit: of two writers based on N one wins, the
 * other is CAS_LOST, exit 3, and writes nothing else); then `state.json` points to it,
 * compare-and-swap. `--force` (`expect: 'force'`) retries a lost race on the newer version.
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
  const needHead = expect === 'force' || expect.layout === undefined;
  const reads = Promise.all([stack.checkLock(opts.lockId), stack.encryption(), needHead ? stack.head() : undefined]);
  reads.catch(() => undefined);
  // once those requests are on their way, the state is hashed while the store answers them
  await tick();
  const draft = { ...makeEnvelope(stack.name, 0, whoAmI(), parsed), writeId: opts.writeId };
  // and so is the body up to the end of the state: the SDK need not hash 5 MB again
  const prefix = parsed.encoding === 'json' ? bodyPrefixHash(parsed) : undefined;
  const [, enc, head] = await reads;
  const base = resolveBase(stack, expect, head);
  if (base.etag === null) await stack.mustExist();
  const version = (base.version ?? 0) + 1;
  const sealed = await seal({ ...draft, version }, parsed, enc, prefix);
  if (base.layout === 'envelope' && base.version !== null && base.etag !== null) await keepLegacyVersion(stack, base.version, base.etag, sealed.sse);
  const landed = await commit(stack, sealed, base, opts.earlierWriteId);
  const committed = { ...landed, env: withDigest(landed.env) };
  const reseal = async (now: Encryption) => seal({ ...draft, version }, parsed, now, prefix);
  const etag = await advancePointer(stack, committed, base.etag, reseal);
  return { env: committed.env, etag, layout: 'pointer' };
}

async function seal(env: StateEnvelope, parsed: Parsed, enc: Encryption, prefix: Hash | undefined): Promise<Sealed> {
  const sealedEnv = await sealEnvelope(env, enc);
  const body = envelopeBody(sealedEnv, parsed);
  return { env: sealedEnv, body, sse: enc.kmsKeyId ? { kmsKeyId: enc.kmsKeyId } : {}, enc, bodySha256: bodyHash(prefix, body, sealedEnv, parsed) };
}

/** The version the write replaces; when state.json was read, checked against what the caller expected. */
function resolveBase(stack: Stack, expect: Expect, head: Current | undefined): Base {
  if (expect === 'force') return baseOf(head) as Base;
  if (expect.layout !== undefined) return expect;
  if (!head && expect.etag === null) return expect;
  if (head && head.env.version === expect.version) return { version: head.env.version, etag: head.etag, layout: head.layout };
  throw casLostError(stack, expect.version);
}

export function casLostError(stack: Stack, version: number | null): IwpError {
  return new IwpError(ErrorCode.CAS_LOST, `stack ${stack.name} changed since version ${version ?? 'none'} was pulled: pull, merge and push again`, {
    hint: 'remote-state pull gives the current version; --force overwrites it',
    details: { stack: stack.name, expectedVersion: version },
  });
}

/**
 * The create-only write of `history/N`. A 412 is someone else's version N (CAS_LOST, after
 * pointing state.json at it if a writer died before doing so) unless it carries our write's
 * id: an SDK retry of a write whose answer was lost, or a push run again after it was killed
 * once its write had landed (`earlierWriteId`, recorded before that write was sent).
 */
async function commit(stack: Stack, sealed: Sealed, base: Base, earlierWriteId: string | undefined): Promise<Sealed & { etag: string }> {
  const key = historyKey(stack.name, sealed.env.version);
  try {
    return { ...sealed, etag: (await stack.store.put(key, sealed.body, { ifNoneMatch: '*' }, withHash(sealed))).etag };
  } catch (err) {
    if (!isCasLost(err)) throw err;
  }
  const obj = await stack.store.get(key);
  const there = obj && readEnvelope(obj.body, `${stack.store.url}/${key}`);
  if (obj && there && (there.writeId === sealed.env.writeId || (earlierWriteId !== undefined && there.writeId === earlierWriteId))) {
    return { ...sealed, env: there, body: obj.body, etag: obj.etag };
  }
  if (there && base.etag !== null) await stack.store.put(stackKey(stack.name, 'state.json'), pointerBody(pointerOf(withDigest(there))), { ifMatch: base.etag }, sealed.sse).catch(() => undefined);
  throw casLostError(stack, base.version);
}

/**
 * Points state.json at the committed version, compare-and-swap on the ETag it replaces. A
 * lost swap reads state.json again: at this version or later, someone already pointed it
 * on (done); below it, it changed in place (a re-key, or a writer completing our pointer):
 * swap again, and if the stack was re-keyed meanwhile, seal our version under the new keys
 * first, so no version stays under a key the stack no longer uses.
 */
async function advancePointer(stack: Stack, v: Sealed & { etag: string; env: { sha256: string } }, etag: string | null, reseal: (enc: Encryption) => Promise<Sealed>): Promise<string> {
  const key = stackKey(stack.name, 'state.json');
  for (let attempt = 0; ; attempt++) {
    try {
      return (await stack.store.put(key, pointerBody(pointerOf(v.env)), etag === null ? { ifNoneMatch: '*' } : { ifMatch: etag }, v.sse)).etag;
    } catch (err) {
      if (!isCasLost(err) || attempt >= 5) throw err;
    }
    const obj = await stack.store.get(key);
    const s = obj && readStateObject(obj.body, `${stack.store.url}/${key}`);
    const at = s ? (s.layout === 'pointer' ? s.pointer.version : s.env.version) : null;
    if (obj && at !== null && at >= v.env.version) return obj.etag;
    if (obj && s?.layout === 'envelope' && at !== null) await keepLegacyVersion(stack, at, obj.etag, v.sse);
    const now = await stack.encryption(true);
    if (!sameEncryption(now, v.enc)) v = await resealVersion(stack, v, await reseal(now));
    etag = obj?.etag ?? null;
  }
}

async function resealVersion(stack: Stack, v: Sealed & { etag: string; env: { sha256: string } }, next: Sealed): Promise<Sealed & { etag: string; env: { sha256: string } }> {
  const key = historyKey(stack.name, v.env.version);
  const written = await stack.store.put(key, next.body, { ifMatch: v.etag }, withHash(next));
  return { ...next, env: withDigest(next.env, v.env.sha256), etag: written.etag };
}

/**
 * A stack in the old layout keeps its current version whole in state.json, and its history
 * entry may be missing (a push killed before its copy): it is copied into history before
 * state.json becomes a pointer, so no version is lost on migration.
 */
/** The options of a version's own upload: its SSE and the body's SHA-256 when it was hashed ahead. */
function withHash(s: Sealed): StoreWriteOptions {
  return s.bodySha256 ? { ...s.sse, contentSha256: s.bodySha256 } : s.sse;
}

async function keepLegacyVersion(stack: Stack, version: number, etag: string, sse: StoreWriteOptions): Promise<void> {
  if (await stack.store.head(historyKey(stack.name, version))) return;
  await stack.store.copy(stackKey(stack.name, 'state.json'), historyKey(stack.name, version), etag, sse).catch((err: unknown) => {
    if (!isCasLost(err)) throw err;
  });
}
