import type { IncomingMessage } from 'node:http';
import { isIwpError } from '@iwp/core';
import type { EventInput } from '../event.js';
import { recordRejectedRun } from '../run-record.js';
import type { RunEventSink } from '../run.js';
import { rerunInput } from '../ui/routes.js';
import { BodyTooLarge, readBody } from './body.js';
import type { DeliveryLog } from './deliveries.js';
import { errorReply as error, eventFromRequest, guessEvent, header, type Reply } from './http.js';
import type { RunQueue, RunSettings } from './run-queue.js';
import { verifySignature } from './signature.js';

/** What the gateway's two ways in (webhooks, re-runs from the web UI) share. */
export interface Intake {
  secret: string;
  deliveries: DeliveryLog;
  run: Omit<RunSettings, 'mask'>;
  runs: RunQueue;
  emit: RunEventSink;
  accepting(): boolean;
  maxQueue: number;
  maxBody: number;
}

const shuttingDown = (): Reply => ({ ...error(503, 'SHUTTING_DOWN', 'the gateway is shutting down'), headers: { 'retry-after': '5' } });

/** A delivery id seen for the first time, or the reply that refuses it (a replay, a bad id). */
async function claimDelivery(deliveries: DeliveryLog, delivery: string, headerName: string): Promise<Reply | undefined> {
  let first: boolean;
  try {
    first = await deliveries.claim(delivery);
  } catch (err) {
    return error(400, 'BAD_INPUT', (err as Error).message);
  }
  return first ? undefined : error(409, 'DUPLICATE_DELIVERY', `${headerName}: ${delivery} was already delivered; nothing run`, { delivery });
}

/** The body, once its X-Hub-Signature-256 matches; or the reply that refuses it. */
async function signedBody(g: Intake, req: IncomingMessage): Promise<Buffer | Reply> {
  let body: Buffer;
  try {
    body = await readBody(req, g.maxBody);
  } catch (err) {
    if (err instanceof BodyTooLarge) return { ...error(413, 'BODY_TOO_LARGE', `body: expected at most ${g.maxBody} bytes`), headers: { connection: 'close' } };
    throw err;
  }
  if (!verifySignature(g.secret, body, header(req, 'x-hub-signature-256'))) {
    const missing = header(req, 'x-hub-signature-256') === undefined;
    return error(401, 'AUTH_FAILED', `X-Hub-Signature-256: ${missing ? 'missing' : 'does not match the body signed with the webhook secret'}`);
  }
  return body;
}

/** POST / or /github (GitHub's webhooks) and /events (generic events): a queued run, or why not. */
export async function acceptWebhook(g: Intake, req: IncomingMessage, path: string): Promise<Reply> {
  const receivedAt = new Date();
  const github = path !== '/events';
  const body = await signedBody(g, req);
  if (!Buffer.isBuffer(body)) return body;
  const eventName = header(req, 'x-github-event');
  const delivery = header(req, 'x-github-delivery') ?? (github ? undefined : header(req, 'x-iwp-delivery'));
  if (github && !eventName) return error(400, 'BAD_INPUT', 'X-GitHub-Event: expected a GitHub event name (POST generic events to /events)');
  if (github && !delivery) return error(400, 'BAD_INPUT', 'X-GitHub-Delivery: expected the delivery id');
  if (eventName === 'ping') return { status: 200, body: { msg: 'pong' } };
  if (!g.accepting()) return shuttingDown();
  if (g.runs.waiting >= g.maxQueue) return { ...error(503, 'QUEUE_FULL', `queue: ${g.maxQueue} runs waiting`), headers: { 'retry-after': '30' } };
  const refused = delivery ? await claimDelivery(g.deliveries, delivery, 'X-GitHub-Delivery') : undefined;
  if (refused) return refused;
  let input: EventInput;
  try {
    input = eventFromRequest(req, body, github, delivery);
  } catch (err) {
    if (!isIwpError(err)) throw err;
    // signed and delivered, but unusable: keep a record of why nothing ran
    const run = await recordRejectedRun(g.run.store, guessEvent(req, github, delivery), err.message, g.run.script);
    g.emit('webhook.rejected', { run: run.id, error: err.message }, `webhook rejected (run ${run.id}): ${err.message}`);
    return error(400, err.code, err.message, { run: run.id });
  }
  const run = await g.runs.add(input, receivedAt);
  g.emit('webhook.accepted', { run: run.id, source: input.source, type: input.type, ...(delivery ? { delivery } : {}) }, `webhook ${input.source}:${input.type} -> run ${run.id}`);
  return { status: 202, body: run };
}

/** POST /api/runs/ID/rerun: signed and replay-checked exactly like a webhook. */
export async function acceptRerun(g: Intake, id: string, req: IncomingMessage): Promise<Reply> {
  const body = await readBody(req, 64 * 1024).catch(() => Buffer.alloc(0));
  if (!verifySignature(g.secret, body, header(req, 'x-hub-signature-256'))) {
    return error(401, 'AUTH_FAILED', 'X-Hub-Signature-256: missing, or not the body signed with the webhook secret');
  }
  const delivery = header(req, 'x-iwp-delivery');
  if (!delivery) return error(400, 'BAD_INPUT', 'X-Iwp-Delivery: expected a delivery id');
  if (!g.accepting()) return shuttingDown();
  const refused = await claimDelivery(g.deliveries, delivery, 'X-Iwp-Delivery');
  if (refused) return refused;
  const original = await g.run.store.get(id);
  const input = rerunInput(await g.run.store.event(original.id), original, 'web UI');
  const run = await g.runs.add({ ...input, deliveryId: delivery }, new Date());
  g.emit('webhook.accepted', { run: run.id, source: input.source, type: input.type, rerunOf: original.id }, `re-run of ${original.id} -> run ${run.id}`);
  return { status: 202, body: run };
}
