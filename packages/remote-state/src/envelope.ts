import { createHash } from 'node:crypto';
import { API_VERSION, badInput, ErrorCode, IwpError } from '@iwp/core';

/**
 * What `state.json` and `history/<version>.json` hold: the user's state (parsed JSON, or
 * base64 bytes with `--raw`) with its version and who wrote it. The SHA-256 is over the
 * bytes `pull` gives back.
 */
export interface StateEnvelope {
  apiVersion: typeof API_VERSION;
  kind: 'StackState';
  stack: string;
  version: number;
  updatedBy: string;
  updatedAt: string;
  sha256: string;
  size: number;
  encoding: 'json' | 'base64';
  state?: unknown;
  data?: string;
}

/** The bytes of a state as `pull` writes them: JSON pretty-printed, raw bytes untouched. */
export function stateBytes(env: StateEnvelope): Buffer {
  return env.encoding === 'base64' ? Buffer.from(env.data ?? '', 'base64') : Buffer.from(`${JSON.stringify(env.state, null, 2)}\n`);
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

export function makeEnvelope(stack: string, version: number, who: string, parsed: ReturnType<typeof parseState>, now = new Date()): StateEnvelope {
  return {
    apiVersion: API_VERSION,
    kind: 'StackState',
    stack,
    version,
    updatedBy: who,
    updatedAt: now.toISOString(),
    sha256: createHash('sha256').update(parsed.bytes).digest('hex'),
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
