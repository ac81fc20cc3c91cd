import { randomUUID } from 'node:crypto';
import { badInput, ErrorCode, IwpError } from '@iwp/core';
import type { Event, GitConfig } from './brigadier/types.js';
import { normalizeSource } from './event-source.js';

/** What a trigger (the CLI, a webhook) knows about an event, before secrets are added. */
export interface EventInput {
  source: string;
  type: string;
  /** raw payload text; scripts JSON.parse it as in Brigade */
  payload?: string;
  qualifiers?: Record<string, string>;
  labels?: Record<string, string>;
  shortTitle?: string;
  longTitle?: string;
  git?: GitConfig;
  /** X-GitHub-Delivery or the generic delivery id, kept in the run record */
  deliveryId?: string;
  /** who caused the event (GitHub's sender or pusher), for the record */
  actor?: string;
  /** the run this one repeats (a re-run from the web UI) */
  rerunOf?: string;
}

/** Parses a payload, naming where it came from when it is not JSON. */
export function parsePayload(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new IwpError(ErrorCode.BAD_DOCUMENT, `${field}: malformed JSON: ${(err as Error).message}`, { details: { field } });
  }
}

/** The Brigade `Event` a script's handler receives. */
export function buildEvent(input: EventInput, opts: { id?: string; projectId?: string; secrets?: Record<string, string> } = {}): Event {
  return {
    id: opts.id ?? randomUUID(),
    source: normalizeSource(input.source),
    type: input.type,
    ...(input.qualifiers ? { qualifiers: input.qualifiers } : {}),
    ...(input.labels ? { labels: input.labels } : {}),
    ...(input.shortTitle ? { shortTitle: input.shortTitle } : {}),
    ...(input.longTitle ? { longTitle: input.longTitle } : {}),
    ...(input.payload !== undefined ? { payload: input.payload } : {}),
    project: { id: opts.projectId ?? 'iwp', secrets: { ...(opts.secrets ?? {}) } },
    worker: {
      apiAddress: '',
      apiToken: '',
      configFilesDirectory: '.brigade',
      defaultConfigFiles: {},
      logLevel: 'info',
      ...(input.git ? { git: input.git } : {}),
    },
  };
}

interface GitHubPayload {
  action?: unknown;
  ref?: unknown;
  after?: unknown;
  repository?: { full_name?: unknown; clone_url?: unknown };
  pull_request?: { head?: { sha?: unknown; ref?: unknown } };
  head_commit?: { message?: unknown };
  sender?: { login?: unknown };
  pusher?: { name?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A GitHub webhook as Brigade's GitHub gateway turns it into an event: source
 * `brigade.sh/github`, type the `X-GitHub-Event` name (with `:action` when the payload
 * has one, e.g. `pull_request:opened`), qualifier `repo`, git details from the payload.
 */
export function githubEvent(eventName: string, payloadText: string, deliveryId?: string): EventInput {
  if (!/^[a-z_]{1,64}$/.test(eventName)) throw badInput('X-GitHub-Event', 'a GitHub event name such as push', eventName);
  const body = parsePayload(payloadText, 'payload');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badInput('payload', 'a JSON object', Array.isArray(body) ? 'an array' : typeof body);
  const p = body as GitHubPayload;
  const action = str(p.action);
  const repo = str(p.repository?.full_name);
  const cloneURL = str(p.repository?.clone_url);
  const commit = str(p.after) ?? str(p.pull_request?.head?.sha);
  const ref = str(p.ref) ?? str(p.pull_request?.head?.ref);
  const type = action ? `${eventName}:${action}` : eventName;
  const actor = str(p.sender?.login) ?? str(p.pusher?.name);
  return {
    source: 'brigade.sh/github',
    type,
    payload: payloadText,
    ...(repo ? { qualifiers: { repo } } : {}),
    shortTitle: repo ? `${type} ${repo}${ref ? ` ${ref}` : ''}` : type,
    // without a clone URL the commit and ref are still the script's to read (nothing is fetched)
    ...(cloneURL || commit ? { git: { cloneURL: cloneURL ?? '', ...(commit ? { commit } : {}), ...(ref ? { ref } : {}) } } : {}),
    ...(deliveryId ? { deliveryId } : {}),
    ...(actor ? { actor } : {}),
  };
}

/**
 * A generic JSON event: `{"source": "...", "type": "...", "payload": any, "qualifiers": {},
 * "labels": {}, "shortTitle": "...", "longTitle": "..."}`. A payload that is not a string
 * is passed to the script as its JSON text.
 */
export function genericEvent(bodyText: string, deliveryId?: string): EventInput {
  const body = parsePayload(bodyText, 'body');
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badInput('body', 'a JSON object with source and type', Array.isArray(body) ? 'an array' : typeof body);
  const b = body as Record<string, unknown>;
  if (typeof b.source !== 'string' || b.source === '') throw badInput('body.source', 'a non-empty string', b.source ?? null);
  if (typeof b.type !== 'string' || b.type === '') throw badInput('body.type', 'a non-empty string', b.type ?? null);
  const map = (field: string): Record<string, string> | undefined => {
    const v = b[field];
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) {
      throw badInput(`body.${field}`, 'an object of strings', v);
    }
    return v as Record<string, string>;
  };
  const qualifiers = map('qualifiers');
  const labels = map('labels');
  return {
    source: b.source,
    type: b.type,
    ...(b.payload !== undefined ? { payload: typeof b.payload === 'string' ? b.payload : JSON.stringify(b.payload) } : {}),
    ...(qualifiers ? { qualifiers } : {}),
    ...(labels ? { labels } : {}),
    ...(typeof b.shortTitle === 'string' ? { shortTitle: b.shortTitle } : {}),
    ...(typeof b.longTitle === 'string' ? { longTitle: b.longTitle } : {}),
    ...(deliveryId ? { deliveryId } : {}),
  };
}
