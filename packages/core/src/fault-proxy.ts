import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * What the proxy does to one request:
 * - `pass`: forwarded untouched;
 * - `delay`: forwarded after `delayMs`;
 * - `error500`: answered 500 without reaching the server;
 * - `slowDown`: answered 503 (S3's `SlowDown`; a registry's `TOOMANYREQUESTS`);
 * - `dropRequest`: half the request body reaches the server, then both connections are cut;
 * - `dropResponse`: the server handles the request fully, then the client's connection is
 *   cut before (or half-way through) the response: the server did the work, the client
 *   cannot know.
 */
export type Fault = 'pass' | 'delay' | 'error500' | 'slowDown' | 'dropRequest' | 'dropResponse';
export const FAULTS: readonly Fault[] = ['pass', 'delay', 'error500', 'slowDown', 'dropRequest', 'dropResponse'];

export interface FaultPlan {
  /** probability of each fault per request (the rest pass) */
  rates?: Partial<Record<Exclude<Fault, 'pass'>, number>>;
  delayMs?: number;
  /** which requests may be faulted (default all) */
  match?: (req: { method: string; url: string }) => boolean;
  /** at most this many faults in a row, so a client with enough retries always gets through */
  maxConsecutive?: number;
}

export interface FaultProxy {
  url: string;
  /** `host:port`, for registries */
  host: string;
  counts: Record<Fault, number>;
  /** replaces the plan (e.g. turn faults off, or hold requests with a long delay) */
  plan(p: FaultPlan): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of a real server (the S3 emulator, a registry) that injects
 * network faults, for tests of retries and of what a failure leaves behind. Decisions come
 * from a seeded generator, so a run can be repeated. The Host header is passed unchanged
 * (signatures and the registry's Location URLs stay valid through the proxy).
 */
export async function startFaultProxy(upstream: string, plan: FaultPlan = {}, seed = 1): Promise<FaultProxy> {
  const up = new URL(upstream);
  let current = plan;
  let consecutive = 0;
  const random = mulberry32(seed);
  const counts = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  const sockets = new Set<Socket>();

  const decide = (req: IncomingMessage): Fault => {
    if (current.match && !current.match({ method: req.method ?? 'GET', url: req.url ?? '/' })) return 'pass';
    if (consecutive >= (current.maxConsecutive ?? Infinity)) {
      consecutive = 0;
      return 'pass';
    }
    let r = random();
    for (const [fault, p] of Object.entries(current.rates ?? {}) as Array<[Fault, number]>) {
      if (r < p) {
        consecutive++;
        return fault;
      }
      r -= p;
    }
    consecutive = 0;
    return 'pass';
  };

  const forward = (req: IncomingMessage, res: ServerResponse, fault: Fault, buffered?: Buffer) => {
    const headers = { ...req.headers };
    delete headers.expect; // answer 100-continue here; the server sees a plain body
    const upReq = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (upRes) => {
      if (fault === 'dropResponse') {
        const len = Number(upRes.headers['content-length'] ?? 0);
        if (!len || req.method === 'HEAD') {
          upRes.resume();
          upRes.on('end', () => req.socket.destroy());
          return;
        }
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        let sent = 0;
        upRes.on('data', (chunk: Buffer) => {
          if (sent >= len / 2) return;
          res.write(chunk.subarray(0, Math.max(1, Math.floor(len / 2) - sent)));
          sent += chunk.length;
          if (sent >= len / 2) setImmediate(() => req.socket.destroy());
        });
        upRes.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    upReq.on('error', () => res.destroy());
    if (fault === 'dropRequest') {
      const len = Number(req.headers['content-length'] ?? 0);
      let seen = 0;
      req.on('data', (chunk: Buffer) => {
        if (seen < len / 2) upReq.write(chunk.subarray(0, Math.max(1, Math.floor(len / 2) - seen)));
        seen += chunk.length;
        if (seen >= len / 2) {
          upReq.destroy();
          req.socket.destroy();
        }
      });
      if (!len) {
        upReq.destroy();
        req.socket.destroy();
      }
      return;
    }
    if (buffered) return void upReq.end(buffered);
    // a client that goes away mid-body must not leave the server waiting for the rest
    // (the emulator serves one request at a time)
    req.on('close', () => {
      if (!req.complete) upReq.destroy();
    });
    req.pipe(upReq);
  };

  const server = createServer((req, res) => {
    const fault = decide(req);
    counts[fault]++;
    if (fault === 'error500' || fault === 'slowDown') {
      req.resume();
      req.on('end', () => {
        const s3 = /AWS4-HMAC-SHA256/.test(req.headers.authorization ?? '');
        const code = fault === 'slowDown' ? (s3 ? 'SlowDown' : 'TOOMANYREQUESTS') : s3 ? 'InternalError' : 'UNKNOWN';
        const body = s3
          ? `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the fault proxy</Message></Error>`
          : JSON.stringify({ errors: [{ code, message: 'injected by the fault proxy' }] });
        res.writeHead(fault === 'slowDown' ? 503 : 500, { 'content-type': s3 ? 'application/xml' : 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      });
      return;
    }
    if (fault === 'delay') {
      // the request arrives whole, and reaches the server late: even after its client died
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => setTimeout(() => forward(req, res, fault, Buffer.concat(chunks)), current.delayMs ?? 500));
    } else {
      forward(req, res, fault);
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    counts,
    plan: (p) => {
      current = p;
      consecutive = 0;
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A small seeded generator (mulberry32): the same seed, the same faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
