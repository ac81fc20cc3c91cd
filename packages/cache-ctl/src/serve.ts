import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Counter, Histogram, Registry } from 'prom-client';
import type { BinaryCache } from './cache.js';

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
  const ttl = opts.narinfoTtlMs ?? 60_000;
  const negTtl = opts.negativeTtlMs ?? 5_000;
  const narinfos = new Map<string, { body: Buffer | undefined; until: number }>();
  const registry = new Registry();
  const requests = new Counter({ name: 'cache_ctl_requests_total', help: 'requests by kind and status', labelNames: ['kind', 'status'], registers: [registry] });
  const duration = new Histogram({
    name: 'cache_ctl_request_duration_seconds',
    help: 'request latency by kind',
    labelNames: ['kind'],
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const narBytes = new Counter({ name: 'cache_ctl_nar_bytes_total', help: 'NAR bytes served', registers: [registry] });
  const hits = new Counter({ name: 'cache_ctl_narinfo_cache_hits_total', help: 'narinfo answers from memory', registers: [registry] });

  // lookups of one narinfo while it is being fetched share that fetch: a burst of requests
  // for a cold narinfo costs the store one GET, not one each
  const fetching = new Map<string, Promise<Buffer | undefined>>();
  const narinfo = async (hash: string): Promise<Buffer | undefined> => {
    const c = narinfos.get(hash);
    if (c && c.until > Date.now()) {
      hits.inc();
      return c.body;
    }
    let p = fetching.get(hash);
    if (!p) {
      p = cache.store.get(`${hash}.narinfo`).then((obj) => {
        narinfos.set(hash, { body: obj?.body, until: Date.now() + (obj ? ttl : negTtl) });
        if (narinfos.size > 100_000) narinfos.delete(narinfos.keys().next().value!);
        return obj?.body;
      }).finally(() => fetching.delete(hash));
      fetching.set(hash, p);
    }
    return p;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<string> => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) return send(res, 405, 'method not allowed\n', 'other');
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(await registry.metrics());
      return 'metrics';
    }
    if (path === '/nix-cache-info') {
      const obj = await cache.store.get('nix-cache-info');
      const body = obj?.body ?? Buffer.from('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n');
      return send(res, 200, body, 'cache-info', 'text/x-nix-cache-info', head);
    }
    const m = /^\/([0-9a-df-np-sv-z]{32})\.narinfo$/.exec(path);
    if (m) {
      const body = await narinfo(m[1]!);
      return body ? send(res, 200, body, 'narinfo', 'text/x-nix-narinfo', head) : send(res, 404, 'not found\n', 'narinfo');
    }
    if (/^\/nar\/[A-Za-z0-9._-]+$/.test(path)) {
      const key = path.slice(1);
      if (head) {
        const h = await cache.store.head(key);
        if (!h) return send(res, 404, 'not found\n', 'nar');
        res.writeHead(200, { 'content-type': 'application/x-nix-nar', 'content-length': h.size });
        res.end();
        return 'nar';
      }
      const body = await cache.store.getStream(key);
      if (!body) return send(res, 404, 'not found\n', 'nar');
      res.writeHead(200, { 'content-type': 'application/x-nix-nar' });
      body.on('data', (c: Buffer) => narBytes.inc(c.length));
      await pipeline(body, res);
      return 'nar';
    }
    return send(res, 404, 'not found\n', 'other');
  };

  const server: Server = createServer((req, res) => {
    const end = duration.startTimer();
    handle(req, res).then(
      (kind) => {
        end({ kind });
        requests.inc({ kind, status: String(res.statusCode) });
      },
      (err: Error) => {
        requests.inc({ kind: 'error', status: '500' });
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

function send(res: ServerResponse, status: number, body: string | Buffer, kind: string, type = 'text/plain', head = false): string {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(head ? undefined : body);
  return kind;
}
