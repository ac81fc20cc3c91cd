import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunEventSink } from '../run.js';
import type { DeliveryLog } from './deliveries.js';
import { errorReply, outcome, send, type Reply } from './http.js';
import { acceptRerun, acceptWebhook, type Intake } from './intake.js';
import { gatewayMetrics } from './metrics.js';
import { RunQueue, type RunSettings } from './run-queue.js';
import { LiveRuns } from '../ui/live.js';
import { uiRoute } from '../ui/routes.js';

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
  const live = new LiveRuns();
  const emit: RunEventSink = (e, f, t) => {
    // what the web UI streams of a run in progress
    if (typeof f.run === 'string' && /^(run|job|script)\.|^webhook\.accepted$/.test(e)) live.publish(f.run, e, f);
    opts.onEvent?.(e, f, t);
  };
  let accepting = true;
  const runs = new RunQueue({ ...opts.run, mask: [opts.secret] }, metrics, emit, { concurrency: opts.concurrency ?? 2, spareWorkers: opts.spareWorkers ?? 1 });

  const intake: Intake = {
    secret: opts.secret, deliveries: opts.deliveries, run: opts.run, runs, emit, accepting: () => accepting,
    maxQueue: opts.maxQueue ?? 100, maxBody: opts.maxBodyBytes ?? 25 * 1024 * 1024,
  };
  const rerun = (id: string, req: IncomingMessage) => acceptRerun(intake, id, req);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<Reply | undefined> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
      return { status: 200, body: { status: accepting ? 'ok' : 'stopping', queued: runs.waiting, running: runs.running } };
    }
    if (path === '/metrics' && req.method === 'GET') {
      return { status: 200, body: await metrics.registry.metrics(), headers: { 'content-type': metrics.registry.contentType } };
    }
    const hook = path === '/' || path === '/github' || path === '/events';
    if (hook && req.method === 'POST') return acceptWebhook(intake, req, path);
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
    listen: (host, port) => listenOn(server, host, port),
    idle: () => runs.idle(),
    close: async (graceMs = 60_000) => {
      accepting = false;
      await drain(server, runs, graceMs);
    },
  };
}

/** Listens; resolves with the URL it listens on. */
function listenOn(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address() as AddressInfo;
      resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`);
    });
  });
}

/** No new runs; queued and running ones get up to `graceMs`; then every connection closes. */
async function drain(server: Server, runs: RunQueue, graceMs: number): Promise<void> {
  runs.close();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await Promise.race([runs.idle(), new Promise((r) => setTimeout(r, graceMs).unref())]);
  server.closeAllConnections();
  await closed;
}
