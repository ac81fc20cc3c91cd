// Knative as pods on a real node (cluster-up --runtime containerd, knative-deploy install
// --images build --networking local) serving the real helloworld app. Prints "name: value"
// lines: warm latency at 50 rps (5 s each) through the ingress pod and queue-proxy beside a
// direct request to the app's pod IP (the data plane's overhead); apply of a new revision ->
// Ready and answering its text; cold start (request to a service at zero pods -> answer) p50/p95
// over 10 services scaled to zero together, then asked one after the other. Took 102 s on
// 2026-12-02 with other work on the 2 cores (468 s when one service went back to zero pods
// before each of its 10 starts).
// Needs root, IWP_REGISTRY and IWP_K8S_BIN (scripts/testenv up).
import { request } from 'node:http';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { IWP_REGISTRY: registry, IWP_K8S_BIN: binDir } = process.env;
if (!registry || !binDir) { console.error('bench/knative-deploy/realnode: needs IWP_REGISTRY and IWP_K8S_BIN (scripts/testenv up)'); process.exit(0); }
const node = (args, input) => {
  const r = spawnSync('node', args, { input: input ?? '', encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${args.slice(0, 3).join(' ')}: exit ${r.status}: ${r.stdout.slice(0, 300)} ${r.stderr.split('\n').slice(-4).join(' | ')}`);
  return r.stdout;
};
const cu = join(root, 'packages/cluster-up/bin/run.js');
const kd = join(root, 'packages/knative-deploy/bin/run.js');
const dir = mkdtempSync(join(tmpdir(), 'iwp-bench-kn-'));
const name = `bkn${process.pid % 10000}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const ms = (x) => `${x.toFixed(1)} ms`;
const T0 = performance.now();
const trace = (what) => process.env.IWP_BENCH_TRACE && console.error(`[${((performance.now() - T0) / 1000).toFixed(1)} s] ${what}`);

function get(host, port, hostHeader, path = '/') {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, headers: { host: hostHeader }, agent: false, timeout: 120_000 }, (res) => {
      let first;
      let body = '';
      res.on('data', (c) => { first ??= performance.now(); body += c; });
      res.on('end', () => resolve({ status: res.statusCode, body, ms: (first ?? performance.now()) - t0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function rate(host, port, hostHeader, rps, seconds) {
  const out = [];
  const all = [];
  for (let i = 0; i < rps * seconds; i++) {
    all.push(get(host, port, hostHeader).then((a) => { if (a.status === 200) out.push(a.ms); }));
    await sleep(1000 / rps);
  }
  await Promise.all(all);
  return out;
}

let cluster;
try {
  cluster = JSON.parse(node([cu, 'create', '--provider', 'local', '--name', name, '--nodes', '1', '--runtime', 'containerd', '--registry', registry, '--state-dir', dir, '--bin-dir', binDir, '--json']));
} catch (err) {
  console.error(`bench/knative-deploy/realnode: skipped, real nodes not available: ${err.message}`);
  rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}
trace('cluster created');
try {
  const k8s = createRequire(join(root, 'packages/knative-deploy/package.json'))('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const flags = ['--kubeconfig', cluster.kubeconfig, '--json'];
  let t0 = performance.now();
  // revision-timeout-seconds is also each revision pod's termination grace period: a pod scaled
  // to zero waits out its queue-proxy's 30 s drain otherwise, which the cold starts below wait
  // for (zero pods took 37.5 s after the cold services were Ready with the default 300 s,
  // 17.2 s with 10 s); every request measured here is answered within 3 s
  node([kd, 'install', '--images', 'build', '--networking', 'local', '--config', 'config-autoscaler.scale-to-zero-grace-period=6s', '--config', 'config-autoscaler.stable-window=6s', '--config', 'config-defaults.revision-timeout-seconds=10', '--json'], JSON.stringify(cluster));
  console.log(`install (images cached) until rolled out: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const image = node([join(root, 'bin/nix-image'), 'build', join(root, 'nix/images/helloworld'), '--push', `${registry}/bench/hello`, '--json', '--quiet']);
  trace('image built');
  const svc = await core.readNamespacedService({ name: 'iwp-ingress', namespace: 'knative-serving' });
  const ingress = svc.spec.clusterIP;
  const pods = async (rev) => (await core.listNamespacedPod({ namespace: 'default', labelSelector: `serving.knative.dev/revision=${rev}` })).items;

  node([kd, 'apply', '--name', 'warm', '--scale-min', '1', ...flags], image);
  trace('warm applied');
  const pod = (await pods('warm-00001')).find((p) => p.status?.podIP);
  await rate(ingress, 80, 'warm.default.svc.cluster.local', 50, 2);
  const via = await rate(ingress, 80, 'warm.default.svc.cluster.local', 50, 5);
  const direct = await rate(pod.status.podIP, 8080, 'warm.default.svc.cluster.local', 50, 5);
  console.log(`warm at 50 rps through ingress pod + queue-proxy: p50 ${ms(pct(via, 50))}, p99 ${ms(pct(via, 99))} (${via.length} answers)`);
  console.log(`warm at 50 rps direct to the app's pod IP: p50 ${ms(pct(direct, 50))}, p99 ${ms(pct(direct, 99))} (${direct.length} answers)`);
  console.log(`data-plane overhead: p50 ${ms(pct(via, 50) - pct(direct, 50))}, p99 ${ms(pct(via, 99) - pct(direct, 99))} (goal p99 < 5 ms)`);
  console.log(`ratio=${(pct(via, 50) / pct(direct, 50)).toFixed(2)} warm request p50 through ingress + queue-proxy vs direct to the app's pod IP`);
  console.log(`ratio=${(pct(via, 99) / pct(direct, 99)).toFixed(2)} warm request p99 through ingress + queue-proxy vs direct to the app's pod IP`);

  t0 = performance.now();
  node([kd, 'apply', '--name', 'warm', '--scale-min', '1', '-e', 'TARGET=next', ...flags], image);
  const ready = performance.now() - t0;
  while ((await get(ingress, 80, 'warm.default.svc.cluster.local')).body !== 'Hello next!\n') await sleep(50);
  console.log(`apply of a new revision -> Ready: ${(ready / 1000).toFixed(2)} s; -> answering its text: ${((performance.now() - t0) / 1000).toFixed(2)} s`);

  // Cold starts: ten services, each started (one pod), scaled to zero and its pod gone, all at
  // once (and the warm service's first revision gone too); then each asked once, one after the
  // other, rather than one service going back to zero ten times. A revision that never had a
  // pod (initial-scale 0) is no stand-in: on the same cluster it took 2.1-3.1 s to answer
  // against 0.7-1.8 s after a scale to zero (5 of each).
  const colds = Array.from({ length: 10 }, (_, i) => `cold${i}`);
  writeFileSync(join(dir, 'cold.json'), JSON.stringify({ services: colds.map((n) => ({ name: n, scale: { min: 0 } })) }));
  node([kd, 'apply', '-f', join(dir, 'cold.json'), ...flags], image);
  trace('cold services applied');
  const quietBy = performance.now() + 180_000;
  const busy = async () => (await core.listNamespacedPod({ namespace: 'default' })).items.filter((p) => p.metadata.name.startsWith('cold') || p.metadata.labels?.['serving.knative.dev/revision'] === 'warm-00001').length;
  while (await busy()) {
    if (performance.now() > quietBy) throw new Error('cold services still had pods after 180 s');
    await sleep(250);
  }
  // From here a pod scaled to zero stays 5 min (pod retention), so that none of the first ones
  // is stopping while the later ones start.
  const patch = spawnSync(join(binDir, 'kubectl'), ['--kubeconfig', cluster.kubeconfig, 'patch', 'configmap', 'config-autoscaler', '-n', 'knative-serving', '--type', 'merge', '-p', '{"data":{"scale-to-zero-pod-retention-period":"5m"}}'], { encoding: 'utf8' });
  if (patch.status !== 0) throw new Error(`kubectl patch configmap config-autoscaler: ${patch.stderr}`);
  await sleep(1000);
  trace('cold services at zero pods');
  const cold = [];
  for (const n of colds) {
    const a = await get(ingress, 80, `${n}.default.svc.cluster.local`);
    if (a.body !== 'Hello World!\n') throw new Error(`cold start of ${n}: ${a.status} ${a.body}`);
    cold.push(a.ms);
  }
  trace('cold starts done');
  const stopping = (await core.listNamespacedPod({ namespace: 'default' })).items.filter((p) => p.metadata.deletionTimestamp).map((p) => p.metadata.name);
  if (stopping.length) console.error(`bench/knative-deploy/realnode: pods stopping during the cold starts: ${stopping.join(' ')}`);
  console.log(`cold start (0 pods -> first byte through ingress and activator), p50 over ${cold.length}: ${ms(pct(cold, 50))} (goal < 1500 ms)`);
  console.log(`cold start p95 over ${cold.length}: ${ms(pct(cold, 95))}`);
} finally {
  trace('deleting the cluster');
  spawnSync('node', [cu, 'delete', name, '--state-dir', dir], { stdio: 'ignore' });
  trace('cluster deleted');
  rmSync(dir, { recursive: true, force: true });
}
