// Prints "name: value" lines and ratios against peers run in the same process tree.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway, DeliveryLog, FileRunStore, runPipeline, sign } from '../../packages/pipeline/dist/index.js';

const execa = promisify(execFile);
const N = Number(process.env.BENCH_N ?? 10);
const dir = await mkdtemp(join(tmpdir(), 'iwp-bench-pipeline-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${Math.round(x * 10) / 10} ms`;

const script = join(dir, 'one-job.ts');
await writeFile(script, [
  'import { events, Job } from "@brigadecore/brigadier";',
  'events.on("github", "push", async (e) => { const j = new Job("noop", "x", e); j.primaryContainer.command = ["true"]; await j.run(); });',
  'events.process();',
].join('\n'));

async function webhookLatency(spareWorkers) {
  const store = new FileRunStore(join(dir, `runs-${spareWorkers}`));
  const latencies = [];
  let done = 0;
  const gw = createGateway({
    secret: 'bench-secret-123',
    deliveries: new DeliveryLog(join(dir, `deliveries-${spareWorkers}`)),
    run: { script, store, executors: { default: 'process' } },
    concurrency: 1,
    spareWorkers,
    onEvent: (e, f) => {
      if (e === 'run.started') latencies.push(f.latencyMs);
      if (e === 'run.finished') done++;
    },
  });
  const url = await gw.listen('127.0.0.1', 0);
  if (spareWorkers) await new Promise((r) => setTimeout(r, 1500)); // let the spare worker start
  for (let i = 0; i < N; i++) {
    const body = JSON.stringify({ ref: 'refs/heads/main', n: i });
    const res = await fetch(`${url}/github`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `b-${spareWorkers}-${i}`, 'x-hub-signature-256': sign('bench-secret-123', body) } });
    if (res.status !== 202) throw new Error(`webhook: ${res.status}`);
    while (done <= i) await new Promise((r) => setTimeout(r, 10));
    // with a spare worker, webhooks 1.2 s apart: its replacement (started as the run took it) is
    // loaded before the next one; without, only the finished run's worker is let go
    await new Promise((r) => setTimeout(r, spareWorkers ? 1200 : 200));
  }
  await gw.close();
  return median(latencies);
}

const warm = await webhookLatency(1);
const cold = await webhookLatency(0);
console.log(`webhook_to_start_warm_p50: ${ms(warm)}`);
console.log(`webhook_to_start_cold_p50: ${ms(cold)}`);
console.log(`ratio=${(cold / warm).toFixed(2)} webhook -> run started, no spare worker vs a spare worker`);

// a one-job run (process executor) against tsx loading an equivalent script that runs the command itself
const plain = join(dir, 'plain.ts');
await writeFile(plain, 'import { execFileSync } from "node:child_process";\nconst x: string = "true";\nexecFileSync(x);\n');
const tsxBin = fileURLToPath(new URL('../../packages/pipeline/node_modules/.bin/tsx', import.meta.url));
const store = new FileRunStore(join(dir, 'runs-cli'));
const runTimes = [];
const tsxTimes = [];
for (let i = 0; i < Math.max(3, Math.floor(N / 2)); i++) {
  let t0 = performance.now();
  const run = await runPipeline({ script, event: { source: 'github', type: 'push' }, store, executors: { default: 'process' } });
  if (run.status !== 'succeeded') throw new Error(run.error);
  runTimes.push(performance.now() - t0);
  t0 = performance.now();
  await execa(tsxBin, [plain]);
  tsxTimes.push(performance.now() - t0);
}
console.log(`run_one_job_p50: ${ms(median(runTimes))}`);
console.log(`tsx_script_p50: ${ms(median(tsxTimes))}`);
console.log(`ratio=${(median(runTimes) / median(tsxTimes)).toFixed(2)} one-job run (process executor) vs tsx running an equivalent script`);

// a runc job from a cached image against runc running a bundle it is handed
if (process.env.IWP_REGISTRY && process.getuid?.() === 0) {
  const img = join(dir, 'img');
  const ref = `${process.env.IWP_REGISTRY}/iwp-bench/busybox:1`;
  const tls = /^(127\.|localhost)/.test(ref) ? ['--dest-tls-verify=false'] : [];
  const creds = process.env.IWP_REGISTRY_USER ? ['--dest-creds', `${process.env.IWP_REGISTRY_USER}:${process.env.IWP_REGISTRY_PASSWORD}`] : [];
  await execa('umoci', ['init', '--layout', img]);
  await execa('umoci', ['new', '--image', `${img}:x`]);
  await execa('umoci', ['unpack', '--image', `${img}:x`, join(dir, 'b')]);
  await execa('mkdir', ['-p', join(dir, 'b/rootfs/bin')]);
  await execa('cp', ['/usr/bin/busybox', join(dir, 'b/rootfs/bin/busybox')]);
  await execa('ln', ['-s', 'busybox', join(dir, 'b/rootfs/bin/true')]);
  await execa('umoci', ['repack', '--image', `${img}:x`, join(dir, 'b')]);
  await execa('skopeo', ['copy', '--quiet', ...tls, ...creds, `oci:${img}:x`, `docker://${ref}`]);
  const rs = join(dir, 'runc.ts');
  await writeFile(rs, `import { events, Job } from "@brigadecore/brigadier";\nevents.on("github", "push", async (e) => { const j = new Job("t", ${JSON.stringify(ref)}, e); j.primaryContainer.command = ["/bin/true"]; await j.run(); });\nevents.process();\n`);
  const jobTimes = [];
  const runcTimes = [];
  const auth = process.env.IWP_REGISTRY_USER ? { DOCKER_CONFIG: dir } : {};
  if (process.env.IWP_REGISTRY_USER) {
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [process.env.IWP_REGISTRY]: { auth: Buffer.from(`${process.env.IWP_REGISTRY_USER}:${process.env.IWP_REGISTRY_PASSWORD}`).toString('base64') } } }));
    Object.assign(process.env, auth);
  }
  for (let i = 0; i < 4; i++) {
    const r = await runPipeline({ script: rs, event: { source: 'github', type: 'push' }, store, executors: { default: 'runc', runc: { imageCache: join(dir, 'cache') } } });
    if (r.status !== 'succeeded') throw new Error(r.error);
    if (i > 0) jobTimes.push(r.jobs[0].durationMs); // the first pulls
  }
  const bundle = join(dir, 'b');
  await execa('runc', ['spec', '--bundle', bundle]).catch(() => undefined);
  const spec = JSON.parse(await (await import('node:fs/promises')).readFile(join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await execa('runc', ['--root', join(dir, 'runc-root'), 'run', '--bundle', bundle, `bench-${i}`]);
    runcTimes.push(performance.now() - t0);
  }
  console.log(`runc_job_cached_image_p50: ${ms(median(jobTimes))}`);
  console.log(`runc_run_bundle_p50: ${ms(median(runcTimes))}`);
  console.log(`ratio=${(median(jobTimes) / median(runcTimes)).toFixed(2)} runc job from a cached image vs runc run of a ready bundle`);
} else {
  console.log('runc: skipped (needs IWP_REGISTRY and root)');
}
await rm(dir, { recursive: true, force: true });
