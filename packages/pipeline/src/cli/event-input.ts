import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { badInput, ErrorCode, IwpError, readStream } from '@iwp/core';
import { githubEvent, parsePayload, type EventInput } from '../event.js';
import { normalizeSource } from '../event-source.js';

const SCRIPT_EXT = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** The SCRIPT argument: an existing .ts/.js file. */
export async function scriptPath(arg: string, field = 'SCRIPT'): Promise<string> {
  if (!SCRIPT_EXT.test(arg)) throw badInput(field, 'a .ts, .mts, .cts, .js, .mjs or .cjs file', arg);
  const p = resolve(arg);
  await access(p).catch(() => {
    throw new IwpError(ErrorCode.FILE_NOT_FOUND, `${field}: no such file: ${arg}`, { details: { field, path: arg } });
  });
  return p;
}

/** `--source`, `--event`, `--payload FILE|-` as an event; a GitHub payload fills git details. */
export async function eventFromFlags(f: { source: string; type: string; payload?: string | undefined }, stdin: NodeJS.ReadableStream = process.stdin): Promise<EventInput> {
  if (!/^[A-Za-z0-9_.:*-]{1,128}$/.test(f.type)) throw badInput('--event', 'an event type such as push or pull_request:opened', f.type);
  if (!/^[A-Za-z0-9_./:-]{1,256}$/.test(f.source)) throw badInput('--source', 'a source name such as github or brigade.sh/github', f.source);
  let text: string | undefined;
  if (f.payload === '-') text = await readStream(stdin as never);
  else if (f.payload !== undefined) {
    text = await readFile(f.payload, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new IwpError(ErrorCode.FILE_NOT_FOUND, `--payload: cannot read ${f.payload}: ${err.code === 'ENOENT' ? 'no such file' : err.code}`, { details: { field: '--payload' } });
    });
  }
  const source = normalizeSource(f.source);
  if (text !== undefined) parsePayload(text, '--payload');
  if (source === 'brigade.sh/github' && text !== undefined) {
    // git details and the repo qualifier come from the payload; --event names the type
    const ev = githubEvent(f.type.split(':')[0]!, text);
    return { ...ev, type: f.type };
  }
  return { source, type: f.type, ...(text !== undefined ? { payload: text } : {}) };
}
