import { createHash } from 'node:crypto';
import { API_VERSION, badInput, ErrorCode, IwpError } from '@iwp/core';
import { seal, unseal, type Encryption } from './encryption.js';

/**
 * What `state.json` and `history/<version>.json` hold: the user's state (parsed JSON, or
 * base64 bytes with `--raw`) with its version and who wrote it. The SHA-256 is over the
 * bytes `pull` gives back. With age encryption the state is `ciphertext` (base64 of the age
 * file of those bytes) and `state`/`data` are absent; SHA-256 and size are then those of
 * the ciphertext, so the stored object says nothing about the plaintext.
 */
export interface StateEnvelope {
  apiVersion: typeof API_VERSION;
  kind: 'StackState';
  stack: string;
  version: number;
  updatedBy: string;
  updatedAt: string;
  sha256?: string;
  size: number;
  encoding: 'json' | 'base64';
  state?: unknown;
  data?: string;
  /** how this object is encrypted: SSE-KMS key id, age recipients */
  encryption?: { kms?: string; age?: string[] };
  ciphertext?: string;
  /** random id of the write that made this version */
  writeId?: string;
}

const RAW = Symbol('stateBytes');

/** The bytes of a state as `pull` writes them: JSON pretty-printed, raw bytes untouched. */
export function stateBytes(env: StateEnvelope): Buffer {
  const raw = (env as { [RAW]?: Buffer })[RAW];
  if (raw) return raw;
  return env.encoding === 'base64' ? Buffer.from(env.data ?? '', 'base64') : Buffer.from(`${JSON.stringify(env.state, null, 2)}\n`);
}

/**
 * A JSON envelope from its metadata and the exact bytes pull gives back (found in the stored
 * object without parsing it): `state` is parsed only when someone reads it.
 */
export function lazyEnvelope(meta: StateEnvelope, bytes: Buffer): StateEnvelope {
  const { state: _s, ...rest } = meta;
  let value: { v: unknown } | undefined;
  const env = { ...rest } as StateEnvelope;
  Object.defineProperty(env, 'state', { enumerable: true, get: () => (value ??= { v: JSON.parse(bytes.toString('utf8')) as unknown }).v });
  Object.defineProperty(env, RAW, { enumerable: false, value: bytes });
  return env;
}

/** Validates user input; `source` names where it came from for errors. */
export function parseState(bytes: Buffer, raw: boolean, source: string): { encoding: 'json' | 'base64'; value: unknown; bytes: Buffer } {
  if (raw) return { encoding: 'base64', value: bytes.toString('base64'), bytes };
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw badInput(source, 'a JSON state (or --raw for bytes)', `invalid JSON: ${(err as Error).message}`);
  }
  return { encoding: 'json', value, bytes: Buffer.from(`${JSON.stringify(value, null, 2)}\n`) };
}

/** The envelope of `parsed` (`sha256`: its bytes' SHA-256 when the caller hashed them already). */
export function makeEnvelope(stack: string, version: number, who: string, parsed: ReturnType<typeof parseState>, now = new Date(), sha256?: string): StateEnvelope {
  return {
    apiVersion: API_VERSION,
    kind: 'StackState',
    stack,
    version,
    updatedBy: who,
    updatedAt: now.toISOString(),
    sha256: sha256 ?? createHash('sha256').update(parsed.bytes).digest('hex'),
    size: parsed.bytes.length,
    encoding: parsed.encoding,
    ...(parsed.encoding === 'json' ? { state: parsed.value } : { data: parsed.value as string }),
  };
}

export function readEnvelope(body: Buffer, where: string): StateEnvelope {
  try {
    const env = JSON.parse(body.toString('utf8')) as StateEnvelope;
    if (env.kind === 'StackState' && Number.isInteger(env.version)) return env;
  } catch {
    /* fall through */
  }
  throw new IwpError(ErrorCode.FAILED, `${where} is not a remote-state state object (kind StackState)`);
}

/** The envelope with its `sha256`: as stored, else `known`, else hashed from its stored bytes (an envelope written by hand). */
export function withDigest(env: StateEnvelope, known?: string): StateEnvelope & { sha256: string } {
  if (env.sha256 !== undefined) return env as StateEnvelope & { sha256: string };
  const bytes = env.ciphertext !== undefined ? Buffer.from(env.ciphertext, 'base64') : stateBytes(env);
  return { ...env, sha256: known ?? createHash('sha256').update(bytes).digest('hex') };
}

/** The envelope as stored under `enc`: age-sealed when it names recipients, SSE-KMS noted. */
export async function sealEnvelope(env: StateEnvelope, enc: Encryption | undefined): Promise<StateEnvelope> {
  const { state: _s, data: _d, ciphertext: _c, encryption: _e, ...meta } = env;
  const encryption = { ...(enc?.kmsKeyId ? { kms: enc.kmsKeyId } : {}), ...(enc?.age?.length ? { age: enc.age } : {}) };
  if (!enc?.age?.length) return withFields(env, Object.keys(encryption).length ? { encryption } : {});
  if (env.ciphertext !== undefined) throw new Error('sealEnvelope: open the envelope first');
  const ct = await seal(stateBytes(env), enc.age);
  return { ...meta, sha256: createHash('sha256').update(ct).digest('hex'), size: ct.length, encryption, ciphertext: ct.toString('base64') };
}

/** The envelope with its state readable: age ciphertext decrypted with `identities`. */
export async function openEnvelope(env: StateEnvelope, identities: () => Promise<string[]>, where: string): Promise<StateEnvelope> {
  if (env.ciphertext === undefined) return env;
  const plain = await unseal(Buffer.from(env.ciphertext, 'base64'), await identities(), env.encryption?.age ?? [], where);
  const { ciphertext: _c, ...meta } = env;
  const opened = { ...meta, sha256: createHash('sha256').update(plain).digest('hex'), size: plain.length };
  return env.encoding === 'json' ? lazyEnvelope(opened, plain) : { ...opened, data: plain.toString('base64') };
}

/** `env` with `fields` set; a lazy envelope stays lazy, over the same bytes. */
function withFields(env: StateEnvelope, fields: Partial<StateEnvelope>): StateEnvelope {
  const raw = (env as { [RAW]?: Buffer })[RAW];
  if (!raw) return { ...env, ...fields };
  // every field but `state`, whose getter would parse the bytes
  const meta = Object.fromEntries(Object.keys(env).filter((k) => k !== 'state').map((k) => [k, (env as unknown as Record<string, unknown>)[k]]));
  return lazyEnvelope({ ...(meta as unknown as StateEnvelope), ...fields }, raw);
}
