import { randomUUID } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { ErrorCode, IwpError, type ObjectStore, type WriteOptions as StoreWriteOptions } from '@iwp/core';
import { parseEncrypt, type Encryption } from './encryption.js';
import { makeEnvelope, sealEnvelope, withDigest, type parseState, type StateEnvelope } from './envelope.js';
import { historyKey, stackKey, versionKey } from './keys.js';
import { entryOf, entryWriteOptions } from './entry.js';
import { movedBody, pointerOf, prepareState, readStateObject, type Current, type Expect, type Prepared } from './layout.js';
import { isCasLost, whoAmI } from './locks.js';
import type { Stack } from './stack.js';

export interface WriteOptions {
  /** the lock the writer holds, if any: anyone else's live lock refuses the write */
  lockId?: string;
  /** marks the version written (letters, digits, "_", "-"); a caller records it before the write (see `earlierWriteId`) */
  writeId?: string;
  /** the id of an earlier run of this push whose answer never came: if it landed, it is ours */
  earlierWriteId?: string;
  /** seal under this encryption, not the base version's (a re-key) */
  encryption?: Encryption;
}

type Parsed = ReturnType<typeof parseState>;

/**
 * Writes version N+1 of a stack: one `PutObject` of `versions/…N+1…` with `If-None-Match: *`,
 * sent once the lock read is answered (the state is hashed meanwhile). That create is the
 * commit: of two writers based on N one creates it, the other is CAS_LOST (exit 3) and has
 * written nothing; someone else's live lock refuses before anything is sent. A stack in an
 * older layout moves over first (moveOver). `--force` (`expect: 'force'`) retries a lost race.
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
  // the current version is read first only when the base is not known to be in the versions
  // layout: a stack in an older layout needs what state.json holds to move over
  const needHead = expect === 'force' || expect.layout !== 'versions';
  // the base version's encryption is the stack's: a re-key writes a version, so a push
  // sealed under the keys of a version that is no longer the current one loses its create
  const hint = opts.encryption ?? (expect !== 'force' && expect.encryption ? parseEncrypt(expect.encryption, 'the base version (encryption)') : undefined);
  const reads = Promise.all([hint ?? stack.knownEncryption() ?? stack.encryption(), needHead ? stack.head() : undefined]);
  reads.catch(() => undefined);
  // those requests go out before the state is hashed, which holds this thread: the SDK
  // writes a request to its socket on the second turn of the event loop after it is sent
  // (measured: after one, the lock read waited for the hash). They are answered while it
  // hashes.
  await tick();
  await tick();
  const prepared = await prepareState(parsed, !stack.store.keepsMetadata);
  const [enc, head] = await reads;
  const base = resolveBase(stack, expect, head);
  if (base === undefined) await stack.mustExist();
  const version = (base?.env.version ?? 0) + 1;
  const draft = { ...makeEnvelope(stack.name, version, whoAmI(), parsed, new Date(), prepared.sha256), writeId: opts.writeId };
  const v = await sealed(stack.store, draft, parsed, enc, prepared);
  // (once the lock read allows it: a holder may be re-keying state.json)
  const moved = base?.layout === 'versions' ? undefined : lock.then(() => moveOver(stack, base, v.sse));
  moved?.catch(() => undefined);
  const key = versionKey(stack.name, version);
  try {
    const after = moved ?? lock;
    const out = await stack.store.put(key, v.entry.body, { ifNoneMatch: '*' }, { ...entryWriteOptions(v.entry, v.sse), after });
    return { env: v.env, etag: out.etag, layout: 'versions', entry: key };
  } catch (err) {
    if (!isCasLost(err)) throw err;
  }
  // version N+1 exists: this push's own (a create whose answer was lost and which the SDK
  // sent again, or an earlier run of it), or someone else's
  const there = await stack.versionHead(key).catch(() => undefined);
  const id = there?.env.writeId;
  if (there && id !== undefined && (id === opts.writeId || id === opts.earlierWriteId)) return there;
  throw casLostError(stack, base?.env.version ?? null);
}

async function sealed(store: ObjectStore, env: StateEnvelope, parsed: Parsed, enc: Encryption, prepared: Prepared) {
  const sealedEnv = withDigest(await sealEnvelope(env, enc));
  return { env: sealedEnv, entry: entryOf(store, sealedEnv, parsed, prepared), sse: enc.kmsKeyId ? { kmsKeyId: enc.kmsKeyId } : {} };
}

/** The version the write replaces (undefined: none yet); when the current one was read, checked against what the caller expected. */
function resolveBase(stack: Stack, expect: Expect, head: Current | undefined): Current | undefined {
  if (expect === 'force') return head;
  if (expect.layout === 'versions' && expect.version !== null) return { env: { version: expect.version } as StateEnvelope, etag: expect.etag ?? '', layout: 'versions' };
  if (!head && expect.etag === null) return undefined;
  if (head && head.env.version === expect.version) return head;
  throw casLostError(stack, expect.version);
}

export function casLostError(stack: Stack, version: number | null): IwpError {
  return new IwpError(ErrorCode.CAS_LOST, `stack ${stack.name} changed since version ${version ?? 'none'} was pulled: pull, merge and push again`, {
    hint: 'remote-state pull gives the current version; --force overwrites it',
    details: { stack: stack.name, expectedVersion: version },
  });
}

/**
 * A stack in an older layout (or with no version yet) moves to the versions layout before
 * its first version there: `state.json` becomes a marker naming the version it pointed at
 * (older clients refuse it, so none writes to the stack again), compare-and-swap on the
 * ETag it was read with. A stack whose current version is a whole envelope in state.json
 * first gets that version copied into history (it may be missing: a push killed before its
 * copy). Another writer that moved it at the same version is as good as this one.
 */
async function moveOver(stack: Stack, base: Current | undefined, sse: StoreWriteOptions): Promise<void> {
  const key = stackKey(stack.name, 'state.json');
  let pointer;
  if (base?.layout === 'envelope') {
    await keepLegacyVersion(stack, base.env.version, base.etag, sse);
    pointer = pointerOf(withDigest(base.env), historyKey(stack.name, base.env.version));
  } else if (base) {
    pointer = pointerOf(withDigest(base.env), base.entry);
  }
  try {
    await stack.store.put(key, movedBody(stack.name, pointer), base ? { ifMatch: base.etag } : { ifNoneMatch: '*' }, sse);
  } catch (err) {
    if (!isCasLost(err)) throw err;
    const obj = await stack.store.get(key);
    const s = obj && readStateObject(obj.body, `${stack.store.url}/${key}`);
    if (s?.layout !== 'moved' || s.marker.version !== (base?.env.version ?? 0)) throw casLostError(stack, base?.env.version ?? null);
  }
}

/** Copies the current version of a stack in the envelope layout into history, unless it is there. */
async function keepLegacyVersion(stack: Stack, version: number, etag: string, sse: StoreWriteOptions): Promise<void> {
  if (await stack.store.head(historyKey(stack.name, version))) return;
  await stack.store.copy(stackKey(stack.name, 'state.json'), historyKey(stack.name, version), etag, sse).catch((err: unknown) => {
    if (!isCasLost(err)) throw err;
  });
}
