// Prints "name: value" lines. Needs the test environment with Knative (KUBECONFIG,
// IWP_K8S_BIN for kubectl, IWP_KNATIVE_BIN).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { pollUntil } = await import('../../packages/core/dist/index.js');
const bin = join(root, 'packages/knative-deploy/bin/run.js');
const kubectl = join(process.env.IWP_K8S_BIN ?? '', 'kubectl');
if (!process.env.KUBECONFIG || !process.env.IWP_KNATIVE_BIN) {
  console.error('bench/knative-deploy: needs the test environment with Knative (scripts/testenv up)');
  process.exit(1);
}
const k8s = createRequire(join(root, 'packages/knative-deploy/package.json'))('@kubernetes/client-node');
const kc = new k8s.KubeConfig();
kc.loadFromDefault();
const core = kc.makeApiClient(k8s.CoreV1Api);
const apps = kc.makeApiClient(k8s.AppsV1Api);
const custom = kc.makeApiClient(k8s.CustomObjectsApi);
const dir = mkdtempSync(join(tmpdir(), 'iwp-bench-kd-'));
const ns = `bench-kd-${process.pid}`;
const image = (c) => `127.0.0.1:5000/bench@sha256:${c.repeat(64)}`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const max = (xs) => Math.max(...xs);
const T0 = performance.now();
const trace = (what) => process.env.IWP_BENCH_TRACE && console.error(`[${((performance.now() - T0) / 1000).toFixed(1)} s] ${what}`);

/** Runs a command; resolves with its exit time (performance.now()) and output. onErrLine sees each stderr line as it comes. */
function run(cmd, args, input, onErrLine) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => {
      const from = err.lastIndexOf('\n') + 1;
      err += d;
      if (onErrLine) for (const line of err.slice(from).split('\n').slice(0, -1)) onErrLine(line);
    });
    p.on('close', (code) => (code === 0 ? resolve({ at: performance.now(), out }) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${err}`))));
    p.stdin.end(input ?? '');
  });
}

/** Watches the namespace's services; readyAt(name, generation) resolves when this process sees it Ready. */
async function watchReady() {
  const seen = new Map();
  const waiters = [];
  const check = (obj) => {
    const ready = obj.status?.observedGeneration === obj.metadata.generation && obj.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    if (!ready) return;
    const key = `${obj.metadata.name}/${obj.metadata.generation}`;
    if (!seen.has(key)) seen.set(key, performance.now());
    for (const w of waiters.filter((x) => x.key === key)) w.resolve(seen.get(key));
  };
  const ctl = await new k8s.Watch(kc).watch(`/apis/serving.knative.dev/v1/namespaces/${ns}/services`, {}, (type, obj) => type !== 'DELETED' && check(obj), () => {});
  return {
    readyAt: (name, generation) => new Promise((resolve) => {
      const key = `${name}/${generation}`;
      if (seen.has(key)) resolve(seen.get(key));
      else waiters.push({ key, resolve });
    }),
    stop: () => ctl.abort(),
  };
}

const yamlFor = (names, c) => names.map((n) => JSON.stringify({
  apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: n, namespace: ns },
  spec: { template: { metadata: { annotations: { 'autoscaling.knative.dev/min-scale': '0' } }, spec: { containers: [{ image: image(c) }] } } },
})).join('\n---\n');

const batches = []; // the namespaces of the 100-service batches
try {
  await core.createNamespace({ body: { metadata: { name: ns } } });
  const w = await watchReady();

  // 1. status Ready -> apply returns (our watch vs kubectl wait's)
  const ours = [];
  const peer = [];
  for (let i = 1; i <= 8; i++) {
    const r = await run('node', [bin, 'apply', '--name', 'lat', '-n', ns, '--image', image('1'), '-e', `ROUND=${i}`, '--json', '-q']);
    const doc = JSON.parse(r.out);
    ours.push(r.at - (await w.readyAt('lat', doc.generation)));
    writeFileSync(join(dir, 'peer.yaml'), yamlFor(['peer'], '1').replace('"containers":[{', `"containers":[{"env":[{"name":"ROUND","value":"${i}"}],`));
    const gen = i;
    const p = await run('bash', ['-c', `${kubectl} apply --server-side -f ${join(dir, 'peer.yaml')} >/dev/null && ${kubectl} wait -n ${ns} ksvc/peer --for=jsonpath='{.status.observedGeneration}'=${gen} --timeout=120s >/dev/null && ${kubectl} wait -n ${ns} ksvc/peer --for=condition=Ready --timeout=120s >/dev/null`]);
    peer.push(p.at - (await w.readyAt('peer', gen)));
  }
  trace('latency rounds done');
  console.log(`status Ready -> apply returns: median ${median(ours).toFixed(0)} ms, max ${max(ours).toFixed(0)} ms of ${ours.length} (goal < 200 ms)`);
  console.log(`  kubectl apply --server-side + kubectl wait (generation, then Ready): median ${median(peer).toFixed(0)} ms`);
  console.log(`ratio=${(median(ours) / median(peer)).toFixed(2)} apply --wait vs kubectl apply --server-side + kubectl wait`);

  // 2. 100 services. The two simulated nodes hold 110 pods each and every revision starts with
  // one, so each batch gets a namespace of its own, emptied before the next one: every measure
  // starts on a quiet apiserver. Two batches, ours and kubectl's: each times the apply, then
  // (same batch, same process run on) until all are Ready.
  const names = Array.from({ length: 100 }, (_, i) => `s${String(i).padStart(3, '0')}`);
  const knative = (group, version, plural) => (namespace) => custom.listNamespacedCustomObject({ group, version, namespace, plural });
  const kinds = [
    ...['services', 'configurations', 'routes', 'revisions'].map((p) => knative('serving.knative.dev', 'v1', p)),
    knative('autoscaling.internal.knative.dev', 'v1alpha1', 'podautoscalers'),
    ...['serverlessservices', 'ingresses'].map((p) => knative('networking.internal.knative.dev', 'v1alpha1', p)),
    (namespace) => apps.listNamespacedDeployment({ namespace }), (namespace) => apps.listNamespacedReplicaSet({ namespace }),
    (namespace) => core.listNamespacedPod({ namespace }), (namespace) => core.listNamespacedService({ namespace }),
  ];
  const left = async (b) => (await Promise.all(kinds.map((list) => list(b)))).reduce((n, l) => n + l.items.length, 0);
  // Emptying a batch's namespace: its services deleted in one request (deletecollection), then,
  // once the garbage collector and Knative have removed all that was made for them, its events.
  // 14-16 s for 100 Ready services, against 34 s for `kubectl delete ksvc --all --wait` (26 s)
  // and then the namespace (8 s more, the namespace controller mostly waiting, a quarter of
  // the CPU busy: 1,351 events were all that was left in it). The namespaces
  // themselves are deleted at the end, when nothing measured follows (scripts/bench runs this
  // bench last; the last batch's 100 services are deleted with them, without waiting).
  const empty = async (b) => {
    await custom.deleteCollectionNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace: b, plural: 'services' });
    await pollUntil(async () => (await left(b)) === 0, Date.now() + 600_000, `namespace ${b}: Knative's objects still there 600 s after its services were deleted`, 500);
    await core.deleteCollectionNamespacedEvent({ namespace: b });
  };
  const batch = async (fn, last = false) => {
    const b = `${ns}-${Math.random().toString(36).slice(2, 7)}`;
    await core.createNamespace({ body: { metadata: { name: b } } });
    batches.push(b);
    try {
      return await fn(b);
    } finally {
      trace(`batch ${b} measured`);
      if (!last) await empty(b);
      trace(`batch ${b} ${last ? 'left to be deleted with its namespace' : 'emptied'}`);
    }
  };
  const descriptor = join(dir, 'services.json');
  writeFileSync(descriptor, JSON.stringify({ services: names.map((name) => ({ name, scale: { min: 0 } })) }));
  const manifest = (b) => {
    const f = join(dir, `${b}.yaml`);
    writeFileSync(f, yamlFor(names, '3').replaceAll(`"namespace":"${ns}"`, `"namespace":"${b}"`));
    return f;
  };
  const kdApply = (b, onErrLine) => run('node', [bin, 'apply', '-f', descriptor, '-n', b, '--image', image('2'), '--wait-timeout', '600s', '--json'], '', onErrLine);

  // ours: one `apply` (it applies all, 16 in flight, then waits): "applied" is when it reports
  // the 100th applied (what `apply --no-wait` would take, less its exit), "Ready" when it exits.
  // Then the same 100 re-applied unchanged.
  const [oursApply, oursAll, unchangedMs, unchanged] = await batch(async (b) => {
    let n = 0;
    let appliedAt;
    const t0 = performance.now();
    const r = await kdApply(b, (line) => {
      if (line.includes(`applied ${b}/`) && ++n === names.length) appliedAt = performance.now();
    });
    if (n !== names.length) throw new Error(`apply reported ${n} services applied, not ${names.length}`);
    if (!JSON.parse(r.out).items.every((s) => s.ready)) throw new Error('apply returned before all were Ready');
    const t1 = performance.now();
    const again = await kdApply(b);
    return [appliedAt - t0, r.at - t0, performance.now() - t1, JSON.parse(again.out).items.every((s) => s.generation === 1)];
  });
  // kubectl's: apply --server-side, then kubectl wait for all Ready.
  const [peerApply, peerAll] = await batch(async (b) => {
    const f = manifest(b);
    const t0 = performance.now();
    const a = await run(kubectl, ['apply', '--server-side', '-f', f]);
    const r = await run(kubectl, ['wait', '-n', b, 'ksvc', '--all', '--for=condition=Ready', '--timeout=600s']);
    return [a.at - t0, r.at - t0];
  }, true);
  console.log(`100 services applied, not waited for (apply's report of the 100th applied, before its wait): ${(oursApply / 1000).toFixed(1)} s (goal < 10 s); kubectl apply --server-side ${(peerApply / 1000).toFixed(1)} s`);
  console.log(`ratio=${(oursApply / peerApply).toFixed(2)} 100 services applied vs kubectl apply --server-side`);
  console.log(`100 services re-applied unchanged, Ready (no new generation: ${unchanged}): ${(unchangedMs / 1000).toFixed(1)} s`);
  console.log(`100 services applied and Ready (Knative's controller reconciling them on 2 cores): ${(oursAll / 1000).toFixed(1)} s (goal < 10 s)`);
  console.log(`  kubectl apply --server-side + kubectl wait --for=condition=Ready: ${(peerAll / 1000).toFixed(1)} s`);
  console.log(`ratio=${(oursAll / peerAll).toFixed(2)} 100 services applied and Ready vs kubectl apply --server-side + kubectl wait`);
  w.stop();
} finally {
  for (const b of batches) await core.deleteNamespace({ name: b }).catch(() => {});
  await core.deleteNamespace({ name: ns }).catch(() => {});
  rmSync(dir, { recursive: true, force: true });
}
