import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIwpError } from '@iwp/core';
import type { EventInput } from '../event.js';
import { recordRejectedRun } from '../run-record.js';
import type { RunEventSink } from '../run.js';
import { BodyTooLarge, readBody } from './body.js';
import type { DeliveryLog } from './deliveries.js';
import { errorReply, eventFromRequest, guessEvent, header, outcome, send, type Reply } from './http.js';
import { gatewayMetrics } from './metrics.js';
import { RunQueue, type RunSettings } from './run-queue.js';
import { verifySignature } from './signature.js';
import { LiveRuns } from '../ui/live.js';
import { rerunInput, uiRoute } from '../ui/routes.js';

export interface GatewayOptions {
  /** the webhook secret (GitHub's "Secret"); also signs generic events */
  secret: string;
  deliveries: DeliveryLog;
  /** everything a run needs except the event */
  run: Omit<RunSettings, 'mask'>;
  concurrency?: number;
  maxQueue?: number;
  maxBodyBytes?: number;
  /** workers kept started ahead of webhooks (0: start one per run) */
  spareWorkers?: number;
  /** run events and gateway events (`webhook.accepted`, `webhook.refused`) */
  onEvent?: RunEventSink;
}

export interface Gateway {
  server: Server;
  listen(host: string, port: number): Promise<string>;
  /** stops accepting, waits for queued and running runs (up to graceMs), closes */
  close(graceMs?: number): Promise<void>;
  /** resolves when no run is queued or running */
  idle(): Promise<void>;
}

const error = errorReply;

/**
 * The webhook gateway: GitHub-compatible webhooks (`POST /` or `/github`) and generic
 * JSON events (`POST /events`), both signed with X-Hub-Signature-256; runs queued with
 * bounded concurrency; `GET /healthz`, `GET /metrics`.
 */
export function createGateway(opts: GatewayOptions): Gateway {
  const metrics = gatewayMetrics();
  const maxQueue = opts.maxQueue ?? 100;
  const maxBody = opts.maxBodyBytes ?? 25 * 1024 * 1024;
  const live = new LiveRuns();
  const emit: RunEventSink = (e, f, t) => {
    // what the web UI streams of a run in progress
    if (typeof f.run === 'string' && /^(run|job|script)\.|^webhook\.accepted$/.test(e)) live.publish(f.run, e, f);
    opts.onEvent?.(e, f, t);
  };
  let accepting = true;
  const runs = new RunQueue({ ...opts.run, mask: [opts.secret] }, metrics, emit, { concurrency: opts.concurrency ?? 2, spareWorkers: opts.spareWorkers ?? 1 });

  const webhook = async (req: IncomingMessage, path: string): Promise<Reply> => {
    const receivedAt = new Date();
    const github = path !== '/events';
    let body: Buffer;
    try {
      body = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof BodyTooLarge) return { ...error(413, 'BODY_TOO_LARGE', `body: expected at most ${maxBody} bytes`), headers: { connection: 'close' } };
      throw err;
    }
    if (!verifySignature(opts.secret, body, header(req, 'x-hub-signature-256'))) {
      const missing = header(req, 'x-hub-signature-256') === undefined;
      return error(401, 'AUTH_FAILED', `X-Hub-Signature-256: ${missing ? 'missing' : 'does not match the body signed with the webhook secret'}`);
    }
    const eventName = header(req, 'x-github-event');
    const delivery = header(req, 'x-github-delivery') ?? (github ? undefined : header(req, 'x-iwp-delivery'));
    if (github && !eventName) return error(400, 'BAD_INPUT', 'X-GitHub-Event: expected a GitHub event name (POST generic events to /events)');
    if (github && !delivery) return error(400, 'BAD_INPUT', 'X-GitHub-Delivery: expected the delivery id');
    if (eventName === 'ping') return { status: 200, body: { msg: 'pong' } };
    if (!accepting) return { ...error(503, 'SHUTTING_DOWN', 'the gateway is shutting down'), headers: { 'retry-after': '5' } };
    if (runs.waiting >= maxQueue) {
      return { ...error(503, 'QUEUE_FULL', `queue: ${maxQueue} runs waiting`), headers: { 'retry-after': '30' } };
    }
    if (delivery) {
      let first: boolean;
      try {
        first = await opts.deliveries.claim(delivery);
      } catch (err) {
        return error(400, 'BAD_INPUT', (err as Error).message);
      }
      if (!first) return error(409, 'DUPLICATE_DELIVERY', `X-GitHub-Delivery: ${delivery} was already delivered; nothing run`, { delivery });
    }
    let input: EventInput;
    try {
      input = eventFromRequest(req, body, github, delivery);
    } catch (err) {
      if (!isIwpError(err)) throw err;
      // signed and delivered, but unusable: keep a record of why nothing ran
      const run = await recordRejectedRun(opts.run.store, guessEvent(req, github, delivery), err.message, opts.run.script);
      emit('webhook.rejected', { run: run.id, error: err.message }, `webhook rejected (run ${run.id}): ${err.message}`);
      return error(400, err.code, err.message, { run: run.id });
    }
    const run = await runs.add(input, receivedAt);
    emit('webhook.accepted', { run: run.id, source: input.source, type: input.type, ...(delivery ? { delivery } : {}) }, `webhook ${input.source}:${input.type} -> run ${run.id}`);
    return { status: 202, body: run };
  };

  /** POST /api/runs/ID/rerun: signed and replay-checked exactly like a webhook */
  const rerun = async (id: string, req: IncomingMessage): Promise<Reply> => {
    const body = await readBody(req, 64 * 1024).catch(() => Buffer.alloc(0));
    if (!verifySignature(opts.secret, body, header(req, 'x-hub-signature-256'))) {
      return error(401, 'AUTH_FAILED', 'X-Hub-Signature-256: missing, or not the body signed with the webhook secret');
    }
    const delivery = header(req, 'x-iwp-delivery');
    if (!delivery) return error(400, 'BAD_INPUT', 'X-Iwp-Delivery: expected a delivery id');
    if (!accepting) return { ...error(503, 'SHUTTING_DOWN', 'the gateway is shutting down'), headers: { 'retry-after': '5' } };
    let first: boolean;
    try {
      first = await opts.deliveries.claim(delivery);
    } catch (err) {
      return error(400, 'BAD_INPUT', (err as Error).message);
    }
    if (!first) return error(409, 'DUPLICATE_DELIVERY', `X-Iwp-Delivery: ${delivery} was already delivered; nothing run`, { delivery });
    const original = await opts.run.store.get(id);
    const input = rerunInput(await opts.run.store.event(original.id), original, 'web UI');
    const run = await runs.add({ ...input, deliveryId: delivery }, new Date());
    emit('webhook.accepted', { run: run.id, source: input.source, type: input.type, rerunOf: original.id }, `re-run of ${original.id} -> run ${run.id}`);
    return { status: 202, body: run };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<Reply | undefined> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return { status: 200, body: { status: accepting ? 'ok' : 'stopping', queued: runs.waiting, running: runs.running } };
    }
    if (path === '/metrics' && req.method === 'GET') {
      return { status: 200, body: await metrics.registry.metrics(), headers: { 'content-type': metrics.registry.contentType } };
    }
    const hook = path === '/' || path === '/github' || path === '/events';
    if (hook && req.method === 'POST') return webhook(req, path);
    const ui = await uiRoute({ store: opts.run.store, live, rerun }, req, res, path);
    if (ui === 'streamed') return undefined;
    if (ui) return ui;
    if (hook) return { ...error(405, 'METHOD_NOT_ALLOWED', `${req.method} ${path}: expected POST`), headers: { allow: 'POST' } };
    return error(404, 'NOT_FOUND', `${path}: not found (POST /, /github or /events; GET /, /runs/ID, /api/runs, /healthz, /metrics)`);
  };

  const server = createServer((req, res) => {
    handle(req, res)
      .catch((err: unknown) => error(500, 'FAILED', (err as Error).message))
      .then((reply) => {
        if (!reply) return;
        if (req.method === 'POST') {
          metrics.webhooks.inc({ result: outcome(reply.status) });
          if (reply.status >= 400) emit('webhook.refused', { status: reply.status, path: req.url, ...(reply.body as { code?: string; message?: string }) }, `webhook refused ${reply.status}: ${(reply.body as { message?: string }).message}`);
        }
        send(res, reply);
        // an unread oversized body: do not keep reading it
        if (reply.status === 413) req.destroy();
      });
  });

  return {
    server,
    listen: (host, port) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          const a = server.address() as AddressInfo;
          resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
        });
      }),
    idle: () => runs.idle(),
    close: async (graceMs = 60_000) => {
      accepting = false;
      runs.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.race([runs.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
      server.closeAllConnections();
      await closed;
    },
  };
}
