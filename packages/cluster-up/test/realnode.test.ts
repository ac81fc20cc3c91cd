import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import type { AppsV1Api, CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { kubeClientNode, loadKubeConfig } from '@iwp/core';
import { footprint, nodeProcesses, settledFootprint } from './host-footprint.js';
import { bin, binDir, cli, deployment, get, kubectl, readyPods, registry, root, skip, sleep, until } from './realnode-helpers.js';

type Core = CoreV1Api;
type Apps = AppsV1Api;
type Doc = { kubeconfig: string; network: { podCidr: string; serviceCidr: string; bridge: string } };

/** helloworld and its Service: the host reaches the pod IP and the ClusterIP. Returns the pod. */
async function checkPodNetwork(t: Tap.Test, core: Core, apps: Apps, doc: Doc, ref: string): Promise<V1Pod> {
  await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('hello', ref) });
  await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'hello' }, spec: { selector: { app: 'hello' }, ports: [{ port: 80, targetPort: 8080 }] } } });
  const [pod] = await until('the helloworld pod Ready', () => readyPods(core, 'hello'), 180_000);
  const podIp = pod!.status!.podIP!;
  t.match(podIp, new RegExp(`^${doc.network.podCidr.split('.').slice(0, 2).join('\\.')}\\.1\\.`), 'the pod has an IP on the node\'s pod range');
  t.equal(await get(`http://${podIp}:8080/`), 'Hello World!\n', 'the host reaches the pod IP: the app\'s own answer');
  const svc = await core.readNamespacedService({ name: 'hello', namespace: 'default' });
  t.equal(await until('the ClusterIP', () => get(`http://${svc.spec!.clusterIP}/`)), 'Hello World!\n', 'the host reaches the ClusterIP (kube-proxy)');
  return pod!;
}

/** A second pod reaches the first by its DNS name (kubectl exec); kubectl logs shows the container's output. */
async function checkDnsExecLogs(t: Tap.Test, core: Core, apps: Apps, doc: Doc, ref: string, pod: V1Pod): Promise<void> {
  // a second pod reaches the first by its DNS name through CoreDNS and the Service
  await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('client', ref, { TARGET: 'client' }) });
  const [client] = await until('the client pod Ready', () => readyPods(core, 'client'), 120_000);
  const script = "require('http').get('http://hello.default.svc.cluster.local/', r => { let b=''; r.on('data', d => b += d); r.on('end', () => process.stdout.write(b)); }).on('error', e => { console.error(e.message); process.exit(1); })";
  // the image has no shell: run its own node (the entrypoint's first word, from the registry)
  const inspected = await execa('node', [join(root, 'bin', 'nix-image'), 'inspect', ref, '--json'], { stdin: 'ignore' });
  const nodeBin = (JSON.parse(inspected.stdout) as { config: { Entrypoint: string[] } }).config.Entrypoint[0]!;
  const execd = await kubectl(doc.kubeconfig, ['exec', client!.metadata!.name!, '--', nodeBin, '-e', script]);
  t.equal(execd.stdout, 'Hello World!', `kubectl exec: a pod reaches hello.default.svc.cluster.local (exit ${execd.exitCode} ${execd.stderr})`);

  const logs = await kubectl(doc.kubeconfig, ['logs', pod.metadata!.name!]);
  t.match(logs.stdout, /helloworld: listening on 8080/, 'kubectl logs shows the container\'s output');
  t.match(logs.stdout, /helloworld: GET \//);
}

async function checkPortForward(t: Tap.Test, doc: Doc, pod: V1Pod): Promise<void> {
  const pf = execa(join(binDir!, 'kubectl'), ['port-forward', `pod/${pod.metadata!.name!}`, ':8080'], { env: { KUBECONFIG: doc.kubeconfig }, reject: false });
  let pfOut = '';
  pf.stdout?.on('data', (d: Buffer) => (pfOut += d.toString()));
  const port = await until('port-forward', async () => {
    const m = /127\.0\.0\.1:(\d+) -> 8080/.exec(pfOut);
    return m ? Number(m[1]) : undefined;
  }, 30_000).catch(() => undefined);
  let forwarded: string | undefined;
  if (port) forwarded = await get(`http://127.0.0.1:${port}/`);
  pf.kill();
  t.equal(forwarded, 'Hello World!\n', 'kubectl port-forward reaches the pod');
}

/** A deleted pod comes back with a new IP and answers. Returns the new pod. */
async function checkPodReplaced(t: Tap.Test, core: Core, pod: V1Pod): Promise<V1Pod> {
  const podIp = pod.status!.podIP!;
  await core.deleteNamespacedPod({ name: pod.metadata!.name!, namespace: 'default' });
  const [again] = await until('a new pod', async () => {
    const ps = await readyPods(core, 'hello');
    return ps?.filter((p) => p.metadata!.name !== pod.metadata!.name).length ? ps.filter((p) => p.metadata!.name !== pod.metadata!.name) : undefined;
  }, 120_000);
  t.not(again!.status!.podIP, podIp, 'the new pod has a new IP');
  t.equal(await get(`http://${again!.status!.podIP}:8080/`), 'Hello World!\n');
  return again!;
}

/** An image the registry does not have: the registry's answer reaches the pod's status. */
async function checkMissingImage(t: Tap.Test, core: Core, apps: Apps): Promise<void> {
  await apps.createNamespacedDeployment({ namespace: 'default', body: deployment('missing', `${registry}/rn/missing:nope`) });
  const waiting = await until('ErrImagePull', async () => {
    const ps = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=missing' })).items;
    const w = ps[0]?.status?.containerStatuses?.[0]?.state?.waiting;
    return w && /ErrImagePull|ImagePullBackOff/.test(w.reason ?? '') && w.message ? w : undefined;
  }, 60_000);
  t.match(waiting.message, /not found|manifest unknown/i, `the registry's message: ${waiting.message}`);
}

/** A second cluster beside the first: its own ranges and bridge, its own pods; the first still answers. */
async function checkSecondCluster(t: Tap.Test, b: string, doc: Doc, ref: string, first: V1Pod): Promise<void> {
  const second = await cli(['create', '--provider', 'local', '--name', 'rnb', '--nodes', '1', '--runtime', 'containerd',
    '--registry', registry!, '--state-dir', b, '--bin-dir', binDir!]);
  t.equal(second.exitCode, 0, second.stderr.split('\n').slice(-5).join('\n'));
  if (second.exitCode === 0) {
    const docB = JSON.parse(second.stdout);
    t.not(docB.network.podCidr, doc.network.podCidr, 'own pod range');
    t.not(docB.network.serviceCidr, doc.network.serviceCidr, 'own service range');
    t.not(docB.network.bridge, doc.network.bridge, 'own bridge');
    const coreB = loadKubeConfig(docB).makeApiClient(kubeClientNode().CoreV1Api);
    const appsB = loadKubeConfig(docB).makeApiClient(kubeClientNode().AppsV1Api);
    await appsB.createNamespacedDeployment({ namespace: 'default', body: deployment('hello', ref, { TARGET: 'B' }) });
    const [podB] = await until('a pod on the second cluster', () => readyPods(coreB, 'hello'), 120_000);
    t.equal(await get(`http://${podB!.status!.podIP}:8080/`), 'Hello B!\n', 'the second cluster runs its own pods');
    t.equal(await get(`http://${first.status!.podIP}:8080/`), 'Hello World!\n', 'the first cluster still answers');
  }
}

/** Killing a node component: status names it. */
async function checkDeadKubelet(t: Tap.Test, a: string): Promise<void> {
  const kubeletPid = Number((await readFile(join(a, 'pids', 'rna-worker-1-kubelet.pid'), 'utf8')).split('\n')[0]);
  process.kill(kubeletPid, 'SIGKILL');
  await sleep(300);
  const status = await cli(['status', 'rna', '--state-dir', a]);
  t.equal(status.exitCode, 1, 'status fails with a dead kubelet');
  t.match(JSON.parse(status.stdout), { kind: 'Error', message: /rna-worker-1-kubelet/ });
}

t.test('real nodes: helloworld runs, answers by ClusterIP and DNS, logs/exec/port-forward, delete leaves nothing', { skip, timeout: 600_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-rn-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const built = await execa('node', [join(root, 'bin', 'nix-image'), 'build', join(root, 'nix', 'images', 'helloworld'), '--push', `${registry}/rn/hello:1`, '--json', '--quiet'], { stdin: 'ignore' });
  const image = JSON.parse(built.stdout) as { repository: string; digest: string };
  const ref = `${image.repository}@${image.digest}`;

  // iproute2 turns /run/netns into a mount point the first time a namespace is added: machine
  // setup that outlives every cluster, done before counting
  await execa('ip', ['netns', 'add', 'iwp-footprint-probe']);
  await execa('ip', ['netns', 'del', 'iwp-footprint-probe']);
  const before = await footprint();

  const a = join(dir, 'a');
  const created = await cli(['create', '--provider', 'local', '--name', 'rna', '--nodes', '1', '--runtime', 'containerd',
    '--registry', registry!, '--state-dir', a, '--bin-dir', binDir!]);
  t.equal(created.exitCode, 0, created.stderr.split('\n').slice(-5).join('\n'));
  if (created.exitCode !== 0) return;
  const doc = JSON.parse(created.stdout);
  t.match(doc, { kind: 'Cluster', provider: 'local', registry, nodes: [{ name: 'rna-worker-1', role: 'worker', ready: true, runtime: 'containerd' }] });
  t.match(doc.network, { podCidr: /^10\.2\d\d\.0\.0\/16$/, bridge: /^iwp\d+$/ });
  t.teardown(() => cli(['delete', 'rna', '--state-dir', a]));

  const kc = loadKubeConfig(doc);
  const core = kc.makeApiClient(kubeClientNode().CoreV1Api);
  const apps = kc.makeApiClient(kubeClientNode().AppsV1Api);
  const pod = await checkPodNetwork(t, core, apps, doc, ref);
  await checkDnsExecLogs(t, core, apps, doc, ref, pod);
  await checkPortForward(t, doc, pod);
  const again = await checkPodReplaced(t, core, pod);
  await checkMissingImage(t, core, apps);
  const b = join(dir, 'b');
  await checkSecondCluster(t, b, doc, ref, again);
  // killing a node component: status names it, delete still removes everything
  await checkDeadKubelet(t, a);
  for (const [name, sd] of [['rna', a], ['rnb', b]] as const) {
    const del = await cli(['delete', name, '--state-dir', sd]);
    t.equal(del.exitCode, 0, del.stderr);
  }
  const after = await settledFootprint(before);
  if (after.processes !== before.processes) t.comment(`node processes now: ${(await nodeProcesses()).join(', ')}`);
  t.same(after, before, 'no process, mount, namespace, link, iptables rule or cgroup left');
});

t.test('real nodes: a missing component fails create naming it, exit 1, nothing left', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-rn-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const before = await footprint();
  const r = await execa('node', [bin, 'create', '--name', 'rnx', '--nodes', '1', '--registry', registry!, '--state-dir', join(dir, 'x'), '--bin-dir', binDir!, '--json'],
    { reject: false, stdin: 'ignore', env: { IWP_CONTAINERD: '/nonexistent/containerd' } });
  t.equal(r.exitCode, 1);
  t.match(JSON.parse(r.stdout), { kind: 'Error', message: /containerd: \/nonexistent\/containerd is missing/ });
  t.same(await settledFootprint(before), before);

  const broken = await execa('node', [bin, 'create', '--name', 'rny', '--nodes', '1', '--registry', registry!, '--state-dir', join(dir, 'y'), '--bin-dir', binDir!, '--json'],
    { reject: false, stdin: 'ignore', env: { IWP_RUNC: '/bin/false', IWP_CONTAINERD: '/bin/false' } });
  t.equal(broken.exitCode, 1, 'a containerd that exits at once');
  t.match(JSON.parse(broken.stdout), { kind: 'Error', message: /rny-worker-1-containerd exited; see .*rny-worker-1-containerd\.log/ });
  t.same(await settledFootprint(before), before, 'the failed create removed what it started');
});
