import t from 'tap';
import { Agent, request } from 'node:http';
import { randomInt } from 'node:crypto';
import { openStore, pool } from '@iwp/core';
import { bucket, buildClosure, cliJson, keyPair, needsS3, serve, tempDir } from './helpers.js';

const RATE = 500; // requests a second
const SECONDS = 30;
const DISTINCT = 200;
const ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

/**
 * Open-loop load: requests leave on schedule whether or not earlier ones have answered (a
 * closed loop would slow down with the server and hide its latency). The assertion is on
 * errors and counts only; the latency is reported, as a timed assertion on a shared 2-core
 * machine would make the test flaky.
 */
t.test(`serve answers ${RATE} narinfo lookups a second for ${SECONDS} s without an error`, { skip: needsS3, timeout: 180_000 }, async (t) => {
  const dir = await tempDir(t);
  const key = await keyPair(t, dir);
  const b = await bucket('load');
  const store = `s3://${b}`;
  await cliJson(['init', store]);
  const { top } = await buildClosure(0, t);
  await cliJson(['push', top, '--to', store, '--sign-key', key.sec]);
  // DISTINCT narinfos under random hash names (serve hands out their bytes as they are)
  const s = openStore(store);
  const hash = top.slice('/nix/store/'.length, '/nix/store/'.length + 32);
  const body = (await s.get(`${hash}.narinfo`))!.body;
  const hashes = Array.from({ length: DISTINCT }, () => Array.from({ length: 32 }, () => ALPHABET[randomInt(32)]).join(''));
  await pool(hashes, 8, (h) => s.put(`${h}.narinfo`, body));
  const url = new URL(await serve(t, store));

  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  t.teardown(() => agent.destroy());
  const latencies: number[] = [];
  // the first requests of each narinfo go to S3; after that serve answers from memory
  const steady: number[] = [];
  const WARMUP_MS = 5000;
  let started = 0;
  let measuring = false;
  const statuses = new Map<string, number>();
  const get = (path: string) =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const done = (status: string) => {
        if (!measuring) return resolve();
        latencies.push(performance.now() - start);
        if (start - started > WARMUP_MS) steady.push(performance.now() - start);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        resolve();
      };
      const req = request({ host: url.hostname, port: url.port, path, agent }, (res) => {
        res.resume();
        res.on('end', () => done(String(res.statusCode)));
        res.on('error', (e) => done(e.message));
      });
      req.on('error', (e) => done(e.message));
      req.end();
    });

  // a warm-up pass, as load tests do: each narinfo asked once (the emulator serves one request
  // at a time, so first reads queue behind each other); then the 30 s are measured whole
  await pool(hashes, 8, (h) => get(`/${h}.narinfo`));
  measuring = true;
  const total = RATE * SECONDS;
  const inflight: Array<Promise<void>> = [];
  started = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * RATE));
    for (; sent < due; sent++) inflight.push(get(`/${hashes[sent % DISTINCT]}.narinfo`));
    await new Promise((r) => setTimeout(r, 2));
  }
  const sendSeconds = (performance.now() - started) / 1000;
  await Promise.all(inflight);

  t.equal(latencies.length, total, `${total} requests answered`);
  t.same(Object.fromEntries(statuses), { 200: total }, 'every one 200, no error');
  const report = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!.toFixed(2);
    return `p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, p99.9 ${q(0.999)} ms, max ${sorted.at(-1)!.toFixed(2)} ms`;
  };
  t.comment(`${total} narinfo lookups (${DISTINCT} distinct) at ${(total / sendSeconds).toFixed(0)} req/s over ${sendSeconds.toFixed(1)} s`);
  t.comment(`all: ${report(latencies)}`);
  t.comment(`after the first ${WARMUP_MS / 1000} s (${steady.length} requests): ${report(steady)}`);
});
