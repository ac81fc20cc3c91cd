// Prints "name: value" lines. Needs the test environment (k8s binaries, the registry, the EC2
// emulator) and root for real nodes.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'packages/cluster-up/bin/run.js');
const dir = mkdtempSync(join(tmpdir(), 'iwp-bench-cu-'));
const cli = (args) => {
  const t = performance.now();
  const r = spawnSync('node', [bin, ...args, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cluster-up ${args.join(' ')}: ${r.stderr}`);
  return [performance.now() - t, JSON.parse(r.stdout)];
};
const binDir = process.env.IWP_K8S_BIN ? ['--bin-dir', process.env.IWP_K8S_BIN] : [];
const k8s = await import(createRequire(join(root, 'packages/cluster-up/package.json')).resolve('@kubernetes/client-node'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** ms from creating a one-pod Deployment until `ready(pod)`; the Deployment is deleted after. */
async function podStart(apps, core, name, image, ready) {
  const t0 = performance.now();
  await apps.createNamespacedDeployment({ namespace: 'default', body: {
    metadata: { name }, spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } },
      spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image }] } } },
  } });
  for (;;) {
    const [pod] = (await core.listNamespacedPod({ namespace: 'default', labelSelector: `app=${name}` })).items;
    if (pod && await ready(pod).catch(() => false)) break;
    if (performance.now() - t0 > 120_000) throw new Error(`${name}: not ready in 120 s`);
    await sleep(20);
  }
  const ms = performance.now() - t0;
  await apps.deleteNamespacedDeployment({ name, namespace: 'default' });
  return ms;
}

async function answers(pod) {
  if (!pod.status?.podIP) return false;
  const r = await fetch(`http://${pod.status.podIP}:8080/`, { signal: AbortSignal.timeout(500) });
  return r.ok;
}

/** create -> nodes Ready, then 20 pods one after another: Deployment -> ready(pod). */
async function cluster(runtime, image, ready) {
  const name = `bench-${runtime}`;
  const t0 = performance.now();
  const [cliMs, doc] = cli(['create', '--provider', 'local', '--name', name, '--nodes', '1', '--runtime', runtime,
    ...(runtime === 'containerd' ? ['--registry', process.env.IWP_REGISTRY] : []), '--state-dir', join(dir, name), ...binDir]);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(doc.kubeconfig);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  try {
    const first = await podStart(apps, core, 'first', image, ready);
    const total = performance.now() - t0;
    const pods = [];
    for (let i = 0; i < 20; i++) pods.push(await podStart(apps, core, `p${i}`, image, ready));
    return { cli: cliMs, create: total - first, total, p50: median(pods), max: Math.max(...pods) };
  } finally {
    cli(['delete', name, '--state-dir', join(dir, name)]);
  }
}

try {
  // kwok nodes never pull: without a real node the pods' image need not exist
  const real = process.env.IWP_REGISTRY && process.getuid?.() === 0;
  let image = 'registry.invalid/bench/hello:1';
  if (real) {
    const built = spawnSync('node', [join(root, 'packages/nix-image/bin/run.js'), 'build', join(root, 'nix/images/helloworld'),
      '--push', `${process.env.IWP_REGISTRY}/bench/hello:1`, '--json', '--quiet'], { encoding: 'utf8' });
    const img = JSON.parse(built.stdout);
    image = `${img.repository}@${img.digest}`;
  }
  // three creates of a one-kwok-node cluster: two on their own, the third the kwok cluster of
  // the pod-start comparison below (its create is timed the same way, before any pod)
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const name = `bench${i}`;
    const [ms] = cli(['create', '--provider', 'local', '--name', name, '--nodes', '1', '--runtime', 'kwok', '--state-dir', join(dir, name), ...binDir]);
    runs.push(ms);
    cli(['delete', name, '--state-dir', join(dir, name)]);
  }
  const sim = await cluster('kwok', image, async (pod) => pod.status?.phase === 'Running');
  runs.push(sim.cli);
  runs.sort((a, b) => a - b);
  console.log(`local create to API ready (1 kwok node Ready, default service account): median ${(runs[1] / 1000).toFixed(1)} s of 3 (goal < 15 s)`);

  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  const node = real ? await cluster('containerd', image, answers) : undefined;
  if (node) {
    console.log(`real node: create to node Ready ${s(node.create)}; to the helloworld pod answering ${s(node.total)} (goal < 25 s)`);
    console.log(`real node: pod start (Deployment -> first HTTP answer, image on the node) p50 ${Math.round(node.p50)} ms, max ${Math.round(node.max)} ms over 20 (goal p50 < 2 s)`);
  }
  console.log(`kwok node: create to node Ready ${s(sim.create)}; pod start (Deployment -> Running) p50 ${Math.round(sim.p50)} ms over 20`);
  if (node) console.log(`ratio=${(node.p50 / sim.p50).toFixed(2)} pod start, real node / kwok node`);

  if (process.env.AWS_ENDPOINT_URL) {
    const env = JSON.parse(spawnSync('nix-instantiate', ['--eval', '--strict', '--json', join(root, 'nix/environments/ec2.nix')], { encoding: 'utf8' }).stdout);
    const file = join(dir, 'ec2.json');
    const name = `bench-${Date.now().toString(36)}`;
    writeFileSync(file, JSON.stringify({ ...env, name, region: 'us-east-1' }));
    const [cms, created] = cli(['create', '-f', file, '--ami', 'ami-03cf127a', '--no-wait-api', '--state-dir', join(dir, name)]);
    const [dms, deleted] = cli(['delete', name, '--provider', 'ec2', '--region', 'us-east-1', '--state-dir', join(dir, name)]);
    console.log(`ec2 create (1 server, 3 agents, 3 subnets): ${created.calls} API calls, ${(cms / 1000).toFixed(1)} s against the emulator`);
    console.log(`ec2 delete: ${deleted.calls} API calls for ${deleted.deleted} resources, ${(dms / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
