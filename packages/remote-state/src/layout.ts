import { createHash, type Hash } from 'node:crypto';
import { API_VERSION, ErrorCode, IwpError, type StatePointer } from '@iwp/core';
import type { parseState, StateEnvelope } from './envelope.js';
import { historyKey } from './keys.js';

/**
 * The storage layout of a stack's versions. Each version's envelope (the state itself) is
 * written once, create-only, to `history/<version>.json`: that write is the commit, so two
 * writers of one version cannot both win. `state.json` is then a small pointer to it, updated
 * compare-and-swap, that carries the envelope's metadata (what `status` shows) but no state.
 *
 * Stacks written before this layout keep a whole envelope in `state.json` (`layout:
 * 'envelope'`); they are read as they are and migrate on their next write.
 */
export type Layout = 'pointer' | 'envelope';

/** A version as read: its envelope, the ETag of `state.json`, and the layout it was in. */
export interface Current {
  env: StateEnvelope;
  etag: string;
  layout: Layout;
}

/**
 * The version a push replaces: what was pulled (`etag` null: no state yet), or `force`.
 * `layout` is how `state.json` was stored when read (unknown: it is read again first).
 */
export type Expect = { version: number | null; etag: string | null; layout?: Layout } | 'force';

/** The base of a push replacing `cur` (or creating the first version). */
export function baseOf(cur: Current | undefined): Expect {
  return cur ? { version: cur.env.version, etag: cur.etag, layout: cur.layout } : { version: null, etag: null };
}

/** What `state.json` holds in the pointer layout: core's StatePointer document. */
export type { StatePointer };

/** The pointer to a version whose envelope is `env` (stored at its history key). */
export function pointerOf(env: StateEnvelope & { sha256: string }): StatePointer {
  return {
    apiVersion: API_VERSION,
    kind: 'StatePointer',
    stack: env.stack,
    version: env.version,
    updatedBy: env.updatedBy,
    updatedAt: env.updatedAt,
    sha256: env.sha256,
    size: env.size,
    encoding: env.encoding,
    ...(env.encryption ? { encryption: env.encryption } : {}),
    ...(env.writeId ? { writeId: env.writeId } : {}),
    body: historyKey(env.stack, env.version).slice(env.stack.length + 1),
  };
}

/** The envelope's metadata as a pointer gives it: a StateEnvelope with no state in it. */
export function headerOf(p: StatePointer): StateEnvelope {
  const { kind: _k, body: _b, ...meta } = p;
  return { ...meta, kind: 'StackState' };
}

export function pointerBody(p: StatePointer): string {
  return `${JSON.stringify(p)}\n`;
}

const STATE_FIRST = Buffer.from('{"state":');

/**
 * The stored bytes of an envelope. A plaintext JSON state is spliced in first, as the bytes
 * `pull` gives back (pretty-printed JSON is JSON), so its megabytes are neither serialized
 * again nor copied more than once, and the body's SHA-256 can be hashed up to the end of
 * the state before the rest is known (bodyHash); everything else is serialized whole.
 */
export function envelopeBody(env: StateEnvelope, parsed?: ReturnType<typeof parseState>): Buffer {
  if (!isSpliced(env, parsed)) return Buffer.from(`${JSON.stringify(env)}\n`);
  const { state: _s, ...meta } = env;
  return Buffer.concat([STATE_FIRST, parsed!.bytes, Buffer.from(`,${JSON.stringify(meta).slice(1)}\n`)]);
}

function isSpliced(env: StateEnvelope, parsed: ReturnType<typeof parseState> | undefined): boolean {
  return env.encoding === 'json' && env.ciphertext === undefined && parsed?.encoding === 'json';
}

/** The SHA-256 of a spliced body's first part (up to the end of the state), to be finished by bodyHash. */
export function bodyPrefixHash(parsed: ReturnType<typeof parseState>): Hash {
  return createHash('sha256').update(STATE_FIRST).update(parsed.bytes);
}

/** The SHA-256 (hex) of `body` from the hash of its first `prefixLength` bytes; undefined if it is not spliced. */
export function bodyHash(prefix: Hash | undefined, body: Buffer, env: StateEnvelope, parsed: ReturnType<typeof parseState>): string | undefined {
  if (!prefix || !isSpliced(env, parsed)) return undefined;
  return prefix.copy().update(body.subarray(STATE_FIRST.length + parsed.bytes.length)).digest('hex');
}

/**
 * The state bytes spliced into a stored envelope (see envelopeBody), found without parsing
 * it: the `size` bytes after `{"state":`, followed by `,`, whose SHA-256 is the one
 * state.json names. Undefined when the object is not shaped so (then it is parsed).
 */
export function splicedState(body: Buffer, size: number, sha256: string): Buffer | undefined {
  const end = STATE_FIRST.length + size;
  if (body.length <= end || !body.subarray(0, STATE_FIRST.length).equals(STATE_FIRST) || body[end] !== 0x2c) return undefined;
  const bytes = body.subarray(STATE_FIRST.length, end);
  return createHash('sha256').update(bytes).digest('hex') === sha256 ? bytes : undefined;
}

/** `state.json` as read: a pointer, or (the old layout) a whole envelope. */
export type StateObject = { layout: 'pointer'; pointer: StatePointer } | { layout: 'envelope'; env: StateEnvelope };

export function readStateObject(body: Buffer, where: string): StateObject {
  let obj: { kind?: unknown; version?: unknown; body?: unknown } | undefined;
  try {
    obj = JSON.parse(body.toString('utf8')) as typeof obj;
  } catch {
    /* reported below */
  }
  if (obj && Number.isInteger(obj.version)) {
    if (obj.kind === 'StatePointer' && typeof obj.body === 'string') return { layout: 'pointer', pointer: obj as unknown as StatePointer };
    if (obj.kind === 'StackState') return { layout: 'envelope', env: obj as unknown as StateEnvelope };
  }
  throw new IwpError(ErrorCode.FAILED, `${where} is not a remote-state state object (kind StatePointer or StackState)`);
}
