import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import type { BinaryCache } from './cache.js';
import { narinfoMemo } from './narinfo-memo.js';
import { serveMetrics, type ServeMetrics } from './serve-metrics.js';

export interface ServeOptions {
  /** how long a narinfo (or its absence) is remembered, ms */
  narinfoTtlMs?: number;
  negativeTtlMs?: number;
}

/**
 * An HTTP binary cache in front of a store, as nix substituters expect: `/nix-cache-info`,
 * `/<hash>.narinfo`, `/nar/<file>`, HEAD and GET, NARs streamed, narinfos cached in memory,
 * and `/metrics` in Prometheus format.
 */
export function createCacheServer(cache: BinaryCache, opts: ServeOptions = {}) {
  const metrics = serveMetrics();
  const narinfo = narinfoMemo(cache, { ttlMs: opts.narinfoTtlMs ?? 60_000, negativeTtlMs: opts.negativeTtlMs ?? 5_000, onHit: () => metrics.hits.inc() });
  const server: Server = createServer((req, res) => {
    const end = metrics.duration.startTimer();
    route(req, res, { cache, metrics, narinfo }).then(
      (kind) => {
        end({ kind });
        metrics.requests.inc({ kind, status: String(res.statusCode) });
      },
      (err: Error) => {
        metrics.requests.inc({ kind: 'error', status: '500' });
        if (!res.headersSent) send(res, 500, `${err.message}\n`, 'error');
        else res.destroy(err);
      },
    );
  });
  server.keepAliveTimeout = 30_000;

  return {
    server,
    async listen(host: string, port: number): Promise<string> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const a = server.address() as AddressInfo;
      return `http://${a.address.includes(':') ? `[${a.address}]` : a.address}:${a.port}`;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

interface Served {
  cache: BinaryCache;
  metrics: ServeMetrics;
  narinfo: (hash: string) => Promise<Buffer | undefined>;
}

/** Answers one request; returns its kind, for the metrics. */
async function route(req: IncomingMessage, res: ServerResponse, s: Served): Promise<string> {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) return send(res, 405, 'method not allowed\n', 'other');
  if (path === '/metrics') {
    res.writeHead(200, { 'content-type': s.metrics.registry.contentType });
    res.end(await s.metrics.registry.metrics());
    return 'metrics';
  }
  if (path === '/nix-cache-info') {
    const obj = await s.cache.store.get('nix-cache-info');
    const body = obj?.body ?? Buffer.from('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n');
    return send(res, 200, body, 'cache-info', 'text/x-nix-cache-info', head);
  }
  const m = /^\/([0-9a-df-np-sv-z]{32})\.narinfo$/.exec(path);
  if (m) {
    const body = await s.narinfo(m[1]!);
    return body ? send(res, 200, body, 'narinfo', 'text/x-nix-narinfo', head) : send(res, 404, 'not found\n', 'narinfo');
  }
  if (/^\/nar\/[A-Za-z0-9._-]+$/.test(path)) return nar(res, s, path.slice(1), head);
  return send(res, 404, 'not found\n', 'other');
}

/** A NAR: its size for HEAD, streamed for GET. */
async function nar(res: ServerResponse, s: Served, key: string, head: boolean): Promise<string> {
  if (head) {
    const h = await s.cache.store.head(key);
    if (!h) return send(res, 404, 'not found\n', 'nar');
    res.writeHead(200, { 'content-type': 'application/x-nix-nar', 'content-length': h.size });
    res.end();
    return 'nar';
  }
  const body = await s.cache.store.getStream(key);
  if (!body) return send(res, 404, 'not found\n', 'nar');
  res.writeHead(200, { 'content-type': 'application/x-nix-nar' });
  body.on('data', (c: Buffer) => s.metrics.narBytes.inc(c.length));
  await pipeline(body, res);
  return 'nar';
}

function send(res: ServerResponse, status: number, body: string | Buffer, kind: string, type = 'text/plain', head = false): string {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
  return kind;
}
