import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_VERSION } from '@iwp/core';
import { genericEvent, githubEvent, type EventInput } from '../event.js';

export type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** An `Error` document as the reply body, as the CLIs print it with --json. */
export const errorReply = (status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply => ({
  status,
  body: { apiVersion: API_VERSION, kind: 'Error', code, message, ...extra },
});

export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** GitHub sends JSON, or a form with a `payload` field when the hook's content type is form. */
function payloadText(req: IncomingMessage, body: Buffer): string {
  const type = header(req, 'content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body.toString('utf8')).get('payload') ?? '';
  return body.toString('utf8');
}

/** The event a (verified) request carries; bad input throws an IwpError naming the field. */
export function eventFromRequest(req: IncomingMessage, body: Buffer, github: boolean, delivery: string | undefined): EventInput {
  return github ? githubEvent(header(req, 'x-github-event')!, payloadText(req, body), delivery) : genericEvent(body.toString('utf8'), delivery);
}

/** What to record when a delivery's event cannot be read. */
export function guessEvent(req: IncomingMessage, github: boolean, delivery: string | undefined): EventInput {
  return {
    source: github ? 'brigade.sh/github' : 'unknown',
    type: (github ? header(req, 'x-github-event') : undefined) ?? 'unknown',
    ...(delivery ? { deliveryId: delivery } : {}),
  };
}

/** The metric label of a reply to a POST. */
export function outcome(status: number): string {
  if (status === 202) return 'accepted';
  return ({ 401: 'unauthorized', 409: 'replayed', 413: 'too_large', 503: 'queue_full', 200: 'ignored' } as Record<number, string>)[status] ?? 'bad_request';
}

export function send(res: ServerResponse, reply: Reply): void {
  const text = typeof reply.body === 'string' ? reply.body : `${JSON.stringify(reply.body)}\n`;
  res.writeHead(reply.status, { 'content-type': typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...reply.headers });
  res.end(text);
}
