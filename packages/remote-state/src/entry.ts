import { createHash } from 'node:crypto';
import { ErrorCode, IwpError, type ObjectStore, type PutBody, type StoredObject, type WriteOptions } from '@iwp/core';
import { lazyEnvelope, readEnvelope, stateBytes, type parseState, type StateEnvelope } from './envelope.js';
import { bodyHash, envelopePieces, type Prepared } from './layout.js';

/** The user metadata name that holds a bare entry's envelope without its state. */
export const ENTRY_META = 'iwp-state';
/** S3 keeps at most 2 KB of user metadata per object: a header longer than this stays in the body */
const MAX_HEADER = 1900;

/** A history entry as written: its body, its object metadata, and the body's SHA-256 when known. */
export interface EntryWrite {
  body: PutBody;
  metadata?: Record<string, string>;
  sha256?: string;
}

/**
 * How a version is stored in its history entry. On a store that keeps object metadata (S3)
 * the entry is bare: its body is the state's bytes exactly as `pull` gives them (with age,
 * the ciphertext), so the body's SHA-256 is the state's digest, hashed once, and the object
 * is the state file itself for anyone reading the bucket; the envelope without its state
 * (version, author, time, digest, encoding, encryption, write id) is the object's
 * `x-amz-meta-iwp-state`. A directory keeps no metadata, and an envelope whose header would
 * not fit S3's 2 KB (many age recipients) is stored whole: then the entry is the envelope's
 * JSON (envelopePieces), hashed from `prepared` when it was. readEntry reads either.
 */
export function entryOf(store: ObjectStore, env: StateEnvelope & { sha256: string }, parsed?: ReturnType<typeof parseState>, prepared?: Prepared): EntryWrite {
  const header = store.keepsMetadata ? headerValue(env) : undefined;
  if (header !== undefined && header.length <= MAX_HEADER) {
    const body = env.ciphertext !== undefined ? Buffer.from(env.ciphertext, 'base64') : parsed && parsed.encoding === env.encoding ? parsed.bytes : stateBytes(env);
    return { body, metadata: { [ENTRY_META]: header }, sha256: env.sha256 };
  }
  const body = envelopePieces(env, parsed);
  const sha256 = prepared && parsed ? bodyHash(prepared.prefix, body, env, parsed) : undefined;
  return { body, ...(sha256 ? { sha256 } : {}) };
}

/** How `entry` is put, encrypted as `sse` says: with its metadata, signed with its SHA-256 when known. */
export function entryWriteOptions(entry: EntryWrite, sse: WriteOptions): WriteOptions {
  return { ...sse, ...(entry.metadata ? { metadata: entry.metadata } : {}), ...(entry.sha256 ? { contentSha256: entry.sha256 } : {}) };
}

/** The metadata of a bare entry: the envelope without its state, as JSON in US-ASCII (an S3 header value). */
function headerValue(env: StateEnvelope): string {
  const { state: _s, data: _d, ciphertext: _c, ...meta } = env;
  return JSON.stringify(meta).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A version as stored (bare, or a whole envelope), as an envelope; a bare entry's bytes are checked against its digest. */
export function readEntry(obj: StoredObject, where: string): StateEnvelope {
  const header = obj.metadata?.[ENTRY_META];
  if (header === undefined) return readEnvelope(obj.body, where);
  const meta = readHeader(header, where);
  const sha256 = createHash('sha256').update(obj.body).digest('hex');
  if (sha256 !== meta.sha256 || obj.body.length !== meta.size) {
    throw new IwpError(ErrorCode.FAILED, `${where}: its bytes (sha256 ${sha256}, ${obj.body.length} bytes) are not the version's (sha256 ${meta.sha256}, ${meta.size} bytes)`);
  }
  if (meta.encryption?.age?.length) return { ...meta, ciphertext: obj.body.toString('base64') };
  if (meta.encoding === 'base64') return { ...meta, data: obj.body.toString('base64') };
  return lazyEnvelope(meta, obj.body);
}

/** A bare entry's metadata (`x-amz-meta-iwp-state`): its envelope without the state. */
export function readHeader(header: string, where: string): StateEnvelope & { sha256: string } {
  let meta: StateEnvelope | undefined;
  try {
    meta = JSON.parse(header) as StateEnvelope;
  } catch {
    /* reported below */
  }
  if (meta?.kind !== 'StackState' || !Number.isInteger(meta.version) || typeof meta.sha256 !== 'string') {
    throw new IwpError(ErrorCode.FAILED, `${where}: its metadata ${ENTRY_META} is not a remote-state envelope header`);
  }
  return meta as StateEnvelope & { sha256: string };
}
