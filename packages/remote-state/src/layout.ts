import { createHash, webcrypto, type Hash } from 'node:crypto';
import { API_VERSION, ErrorCode, IwpError, type StateMoved, type StatePointer } from '@iwp/core';
import type { parseState, StateEnvelope } from './envelope.js';
import { historyKey } from './keys.js';

/**
 * The storage layout of a stack's versions. Since the versions layout, version N is one object,
 * `versions/<999999999999 − N>.<N>.json` (keys.ts), created once with `If-None-Match: *`:
 * that create is the commit, so of two writers of N+1 exactly one creates it, a push is one
 * write, and the first key of a listing of `versions/` is the current version. `state.json`
 * is then a marker (`StateMoved`) that older clients refuse, naming the last version written
 * in an older layout (or none), so that no older client writes to the stack again.
 *
 * The older layouts are read as they are and move over on the next write: `pointer`, where
 * each version's envelope was staged to `history/<version>.<writeId>.<baseWriteId>.json` and
 * `state.json` was a small pointer whose compare-and-swap was the commit (chain.ts says which
 * entries are versions), and `envelope`, a whole envelope in `state.json`. Entries written
 * before staging are `history/<version>.json`, each a commit.
 */
export type Layout = 'versions' | 'pointer' | 'envelope';

/** A version as read: its envelope, the ETag of `state.json`, and the layout it was in. */
export interface Current {
  env: StateEnvelope;
  etag: string;
  layout: Layout;
  /** the store key of the object the version's state is in (`versions/…`, or the history entry state.json names) */
  entry?: string;
}

/**
 * The version a push replaces: what was pulled (`etag` null: no state yet), or `force`.
 * `layout` is how `state.json` was stored when read, `writeId` the id of that version's
 * write (null: it has none); either unknown: state.json is read again first. `encryption`
 * is how that version was encrypted (`--encrypt` spelling), which is the stack's encryption
 * as long as state.json has not changed since: every re-key rewrites state.json (a marked
 * pointer first, see rekey.ts), so a push sealed under it that finds state.json changed
 * reads stack.json and seals again. Unknown: stack.json is read first.
 */
export type Expect = { version: number | null; etag: string | null; layout?: Layout; writeId?: string | null; encryption?: string[] } | 'force';

/** The base of a push replacing `cur` (or creating the first version). */
export function baseOf(cur: Current | undefined): Expect {
  if (!cur) return { version: null, etag: null };
  const base = { version: cur.env.version, etag: cur.etag, layout: cur.layout, writeId: cur.env.writeId ?? null };
  // the envelope layout, or a pointer marked by a re-key under way: no encryption to seal under unread
  if (cur.layout === 'envelope' || (cur.env as { rekeying?: unknown }).rekeying !== undefined) return base;
  const e = cur.env.encryption;
  return { ...base, encryption: [...(e?.kms ? [`kms:${e.kms}`] : []), ...(e?.age ?? []).map((r) => `age:${r}`)] };
}

/** What `state.json` holds in the pointer layout: core's StatePointer document. */
export type { StateMoved, StatePointer };

/** The pointer to a version whose envelope is `env`, stored at `entry` (a store key; default: its unstaged history key). */
export function pointerOf(env: StateEnvelope & { sha256: string }, entry = historyKey(env.stack, env.version)): StatePointer {
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
    body: entry.slice(env.stack.length + 1),
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
 * The stored bytes of an envelope, in pieces. A plaintext JSON state is spliced in first, as
 * the bytes `pull` gives back (pretty-printed JSON is JSON), so its megabytes are neither
 * serialized again nor copied (the store sends the pieces in order), and the body's SHA-256
 * can be hashed up to the end of the state before the rest is known (bodyHash); everything
 * else is serialized whole.
 */
export function envelopePieces(env: StateEnvelope, parsed?: ReturnType<typeof parseState>): Buffer[] {
  if (!isSpliced(env, parsed)) return [Buffer.from(`${JSON.stringify(env)}\n`)];
  const { state: _s, ...meta } = env;
  return [STATE_FIRST, parsed!.bytes, Buffer.from(`,${JSON.stringify(meta).slice(1)}\n`)];
}

/** The stored bytes of an envelope (see envelopePieces), joined. */
export function envelopeBody(env: StateEnvelope, parsed?: ReturnType<typeof parseState>): Buffer {
  return Buffer.concat(envelopePieces(env, parsed));
}

/** A state ready for its envelope: its SHA-256 and the spliced body's hash up to the end of the state. */
export interface Prepared {
  sha256: string;
  prefix: Hash | undefined;
}

/**
 * Hashes the state and, for a JSON state stored `spliced` in an envelope (a store without
 * object metadata, see entry.ts), the start of the envelope's body up to the end of the
 * state. One hash (a bare entry, whose body is the state) runs here, in one call, as the
 * SDK hashes a body it sends: WebCrypto's digest would run it on the thread pool, but
 * copies the bytes on this thread first and took longer in all (7.8 against 5.9 ms for
 * 4.3 MB, medians of 40); two (an envelope) take both cores, the state's digest on the
 * thread pool.
 */
export async function prepareState(parsed: ReturnType<typeof parseState>, spliced = true): Promise<Prepared> {
  if (!spliced || parsed.encoding !== 'json') return { sha256: createHash('sha256').update(parsed.bytes).digest('hex'), prefix: undefined };
  const state = webcrypto.subtle.digest('SHA-256', parsed.bytes);
  const prefix = createHash('sha256').update(STATE_FIRST).update(parsed.bytes);
  return { sha256: Buffer.from(await state).toString('hex'), prefix };
}

function isSpliced(env: StateEnvelope, parsed: ReturnType<typeof parseState> | undefined): boolean {
  return env.encoding === 'json' && env.ciphertext === undefined && parsed?.encoding === 'json';
}

/** The SHA-256 (hex) of a spliced body (envelopePieces) from the hash of its pieces but the last; undefined if it is not spliced. */
export function bodyHash(prefix: Hash | undefined, pieces: readonly Buffer[], env: StateEnvelope, parsed: ReturnType<typeof parseState>): string | undefined {
  if (!prefix || !isSpliced(env, parsed)) return undefined;
  return prefix.copy().update(pieces[pieces.length - 1]!).digest('hex');
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

/** `state.json` as read: the versions layout's marker, a pointer, or (the oldest layout) a whole envelope. */
export type StateObject = { layout: 'moved'; marker: StateMoved } | { layout: 'pointer'; pointer: StatePointer } | { layout: 'envelope'; env: StateEnvelope };

/** `state.json` of a stack in the versions layout (core's StateMoved): the pointer to the last version written in an older layout, or none. */
export function movedBody(stack: string, pointer: StatePointer | undefined): string {
  const marker: StateMoved = pointer ? { ...pointer, kind: 'StateMoved' } : { apiVersion: API_VERSION, kind: 'StateMoved', stack, version: 0 };
  return `${JSON.stringify(marker)}\n`;
}

export function readStateObject(body: Buffer, where: string): StateObject {
  let obj: { kind?: unknown; version?: unknown; body?: unknown } | undefined;
  try {
    obj = JSON.parse(body.toString('utf8')) as typeof obj;
  } catch {
    /* reported below */
  }
  if (obj && Number.isInteger(obj.version)) {
    if (obj.kind === 'StateMoved' && (obj.body === undefined || typeof obj.body === 'string')) return { layout: 'moved', marker: obj as unknown as StateMoved };
    if (obj.kind === 'StatePointer' && typeof obj.body === 'string') return { layout: 'pointer', pointer: obj as unknown as StatePointer };
    if (obj.kind === 'StackState') return { layout: 'envelope', env: obj as unknown as StateEnvelope };
  }
  throw new IwpError(ErrorCode.FAILED, `${where} is not a remote-state state object (kind StateMoved, StatePointer or StackState)`);
}
