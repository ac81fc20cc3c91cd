import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { answerInjectedError, forward } from './fault-proxy-forward.js';

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
  /** delayed requests whose body has arrived whole: each reaches the server after `delayMs`, whatever its client does meanwhile */
  readonly held: number;
  /** replaces the plan (e.g. turn faults off, or hold requests with a long delay) */
  plan(p: FaultPlan): void;
  close(): Promise<void>;
}

/** Which fault a request gets: from the plan's rates and a seeded generator, never more than `maxConsecutive` in a row. */
class FaultDecider {
  private consecutive = 0;
  private readonly random: () => number;

  constructor(public current: FaultPlan, seed: number) {
    this.random = mulberry32(seed);
  }

  replan(p: FaultPlan): void {
    this.current = p;
    this.consecutive = 0;
  }

  decide(req: IncomingMessage): Fault {
    const plan = this.current;
    if (plan.match && !plan.match({ method: req.method ?? 'GET', url: req.url ?? '/' })) return 'pass';
    if (this.consecutive >= (plan.maxConsecutive ?? Infinity)) {
      this.consecutive = 0;
      return 'pass';
    }
    let r = this.random();
    for (const [fault, p] of Object.entries(plan.rates ?? {}) as Array<[Fault, number]>) {
      if (r < p) {
        this.consecutive++;
        return fault;
      }
      r -= p;
    }
    this.consecutive = 0;
    return 'pass';
  }
}

/**
 * An HTTP proxy in front of a real server (the S3 emulator, a registry) that injects
 * network faults, for tests of retries and of what a failure leaves behind. Decisions come
 * from a seeded generator, so a run can be repeated. The Host header is passed unchanged
 * (signatures and the registry's Location URLs stay valid through the proxy).
 */
export async function startFaultProxy(upstream: string, plan: FaultPlan = {}, seed = 1): Promise<FaultProxy> {
  const up = new URL(upstream);
  const decider = new FaultDecider(plan, seed);
  const counts = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  const sockets = new Set<Socket>();
  let held = 0;
  const server = createServer((req, res) => {
    const fault = decider.decide(req);
    counts[fault]++;
    if (fault === 'error500' || fault === 'slowDown') return answerInjectedError(req, res, fault);
    if (fault === 'delay') {
      // the request arrives whole, and reaches the server late: even after its client died
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        held++;
        setTimeout(() => forward(up, req, res, fault, Buffer.concat(chunks)), decider.current.delayMs ?? 500);
      });
    } else {
      forward(up, req, res, fault);
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
    get held() {
      return held;
    },
    plan: (p) => decider.replan(p),
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
