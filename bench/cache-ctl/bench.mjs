// Prints "name: value" lines and ratios against nix run in the same process tree.
import { execFileSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { makeS3Client, S3Store, FileStore } = await import('../../packages/core/dist/index.js');
const { BinaryCache, createCacheServer, generateKeyPair, parseSecretKey, pushClosure } = await import('../../packages/cache-ctl/dist/index.js');

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const dir = await mkdtemp(join(tmpdir(), 'iwp-bench-cache-'));
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const key = parseSecretKey(generateKeyPair('bench-1').secret);
const compression = process.env.BENCH_COMPRESSION ?? 'zstd';

try {
  // 1. push a ~200 MB closure: cache-ctl vs nix copy, both to a fresh file:// cache
  const top = execFileSync('nix-build', ['--no-out-link', join(here, 'closure.nix'), '--argstr', 'nonce', String(Date.now())], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  const closure = execFileSync('nix-store', ['-qR', top]).toString().trim().split('\n');
  const size = Number(execFileSync('nix', ['path-info', '--extra-experimental-features', 'nix-command', '-S', top]).toString().trim().split(/\s+/).pop());
  console.log(`closure: ${closure.length} paths, ${(size / 1e6).toFixed(0)} MB (NAR), compression ${compression}`);
  // three rounds, alternating which tool goes first, each into a fresh cache; medians
  const oursT = [], nixT = [];
  let ours;
  for (let round = 0; round < 3; round++) {
    const runOurs = async () => {
      const d = join(dir, `ours-${round}`);
      await mkdir(d);
      ours = new BinaryCache(new FileStore(d));
      await ours.init({ storeDir: '/nix/store', wantMassQuery: true, priority: 40 });
      const s = performance.now();
      await pushClosure(ours, [top], { key, compression, jobs: 4 });
      oursT.push(performance.now() - s);
    };
    const runNix = async () => {
      const s = performance.now();
      await run('nix', ['copy', '--extra-experimental-features', 'nix-command', '--to', `file://${join(dir, `nix-${round}`)}?compression=${compression}`, top]);
      nixT.push(performance.now() - s);
    };
    if (round % 2) { await runNix(); await runOurs(); } else { await runOurs(); await runNix(); }
  }
  const oursMs = pct(oursT, 50), nixMs = pct(nixT, 50);
  let t0;
  console.log(`push ${compression} (median of 3): cache-ctl ${secs(oursMs)} vs nix copy --to file:// ${secs(nixMs)}: ratio ${(oursMs / nixMs).toFixed(2)}x (goal <= 1.0x)`);
  console.log(`ratio=${(oursMs / nixMs).toFixed(2)} push to file:// vs nix copy --to file://?compression=${compression} (median of 3, alternating; goal <= 1.0)`);
  t0 = performance.now();
  const again = await pushClosure(ours, [top], { key, compression, jobs: 4 });
  console.log(`second push: ${secs(performance.now() - t0)}, uploaded ${again.uploaded}`);

  // 2 and 3 against the S3 emulator: a cache of 10,000 narinfos
  if (!process.env.AWS_ENDPOINT_URL) throw new Error('AWS_ENDPOINT_URL not set: run through scripts/bench');
  const require = createRequire(new URL('../../packages/cache-ctl/package.json', import.meta.url));
  const { CreateBucketCommand } = require('@aws-sdk/client-s3');
  const s3 = makeS3Client({});
  let requests = 0;
  s3.middlewareStack.add((next) => (args) => { requests++; return next(args); }, { step: 'finalizeRequest', name: 'count' });
  const bucket = `iwp-bench-cache-${Date.now().toString(36)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const cache = new BinaryCache(new S3Store(s3, { bucket, prefix: '' }));
  await cache.init({ storeDir: '/nix/store', wantMassQuery: true, priority: 40 });
  {
    const s3T = [];
    for (let round = 0; round < 3; round++) {
      const b = `${bucket}-push${round}`;
      await s3.send(new CreateBucketCommand({ Bucket: b }));
      const c = new BinaryCache(new S3Store(s3, { bucket: b, prefix: '' }));
      await c.init({ storeDir: '/nix/store', wantMassQuery: true, priority: 40 });
      const s = performance.now();
      await pushClosure(c, [top], { key, compression, jobs: 4 });
      s3T.push(performance.now() - s);
    }
    const s3Ms = pct(s3T, 50);
    console.log(`push ${compression} into S3 (moto, median of 3): ${secs(s3Ms)}`);
    console.log(`ratio=${(s3Ms / nixMs).toFixed(2)} push to S3 (emulator) vs nix copy --to file:// (nix 2.8 here has no s3:// store; goal <= 1.2)`);
  }
  const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';
  const fakeHash = (i) => Array.from({ length: 32 }, (_, k) => alphabet[(i * 7919 + k * 104729 + (i >> k)) % 32]).join('').slice(0, 26) + i.toString(32).padStart(6, '0').replace(/[eotu]/g, 'a');
  const hashes = [...new Set(Array.from({ length: 10_000 }, (_, i) => fakeHash(i)))];
  t0 = performance.now();
  const queue = [...hashes];
  await Promise.all(Array.from({ length: 16 }, async () => {
    for (let h; (h = queue.pop()); ) {
      await cache.store.put(`${h}.narinfo`, `StorePath: /nix/store/${h}-x\nURL: nar/${h}.nar\nCompression: none\nNarHash: sha256:${h.padEnd(52, '0')}\nNarSize: 1\nReferences: \n`);
    }
  }));
  console.log(`seeded ${hashes.length} narinfos in ${secs(performance.now() - t0)}`);

  requests = 0;
  t0 = performance.now();
  const found = await cache.exists(hashes);
  const listMs = performance.now() - t0;
  console.log(`exists of ${hashes.length} paths: ${secs(listMs)} (${requests} list requests, ${found.size} present; goal < 1 s)`);
  requests = 0;
  const sample = hashes.slice(0, 1000);
  t0 = performance.now();
  await cache.exists(sample.slice(0, 64), 16);
  const headMs = ((performance.now() - t0) / 64) * hashes.length;
  console.log(`  one HEAD a path instead: ~${secs(headMs)} for ${hashes.length} (measured on 64): listing is ${(headMs / listMs).toFixed(1)}x faster`);

  // narinfo latency at 200 req/s through serve, over the 10,000 narinfos (first access of each goes to S3)
  const srv = createCacheServer(cache);
  const url = await srv.listen('127.0.0.1', 0);
  const pool = hashes.slice(0, 500);
  const cold = [];
  for (const h of pool) {
    const s = performance.now();
    await (await fetch(`${url}/${h}.narinfo`)).arrayBuffer();
    cold.push(performance.now() - s);
  }
  console.log(`narinfo via serve, first request of each (read from S3): p50 ${pct(cold, 50).toFixed(2)} ms, p99 ${pct(cold, 99).toFixed(2)} ms`);
  const lat = [];
  const rate = 200, seconds = Number(process.env.BENCH_SECONDS ?? 10);
  t0 = performance.now();
  const pending = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const h = pool[Math.floor(Math.random() * pool.length)];
    const s = performance.now();
    pending.push(fetch(`${url}/${h}.narinfo`).then(async (r) => { await r.arrayBuffer(); lat.push(performance.now() - s); }));
  }
  await Promise.all(pending);
  await srv.close();
  console.log(`narinfo via serve at ${rate} req/s for ${seconds} s (500 distinct narinfos, remembered for 60 s): p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms (goal p99 < 5 ms)`);
  execFileSync('nix-store', ['--delete', ...closure], { stdio: 'ignore' });
} finally {
  await rm(dir, { recursive: true, force: true });
}
