import { mkdtemp, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import { kubeClientNode, loadKubeConfig, type Cluster } from '@iwp/core';
import { cliRunner } from '@iwp/core/testing';

const bin = join(import.meta.dirname, '..', 'bin', 'run.js');
const binDir = process.env.IWP_K8S_BIN;
const cli = cliRunner(bin, { json: 'end' });

async function pidsAlive(pids: number[]): Promise<number[]> {
  const out: number[] = [];
  for (const p of pids) {
    // a zombie (state Z) has exited; whether it is reaped depends on the machine's init
    const st = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '');
    if (st && st.slice(st.lastIndexOf(')') + 2, st.lastIndexOf(')') + 3) !== 'Z') out.push(p);
  }
  return out;
}

/** A Deployment's pods are scheduled onto the (simulated) nodes and Running. */
async function checkPodsRun(t: Tap.Test, doc: Cluster): Promise<void> {
  const k8s = kubeClientNode();
  const kc = loadKubeConfig(doc);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name: 'web' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'example.invalid/web:1' }] } },
      },
    },
  });
  let running = 0;
  for (let i = 0; i < 150 && running < 3; i++) {
    const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
    running = pods.items.filter((p) => p.status?.phase === 'Running' && p.spec?.nodeName).length;
    if (running < 3) await new Promise((r) => setTimeout(r, 200));
  }
  t.equal(running, 3, 'the Deployment\'s pods are scheduled and Running');
}

/** kubeconfig --merge into another file keeps what is there and switches context. */
async function checkKubeconfigMerge(t: Tap.Test, name: string, stateDir: string): Promise<void> {
  const merged = join(stateDir, '..', 'merged-kubeconfig');
  await writeFile(merged, 'apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster:\n    server: https://192.0.2.1:6443\ncontexts:\n- name: other\n  context:\n    cluster: other\n    user: other\nusers:\n- name: other\n  user: {}\ncurrent-context: other\n');
  const m = await cli(['kubeconfig', name, '--state-dir', stateDir, '--merge'], { env: { KUBECONFIG: merged } });
  t.equal(m.exitCode, 0, m.exitCode ? m.stderr : 'merged');
  const nodesVia = await execa(join(binDir!, 'kubectl'), ['get', 'nodes', '-o', 'name'], { env: { KUBECONFIG: merged } });
  t.equal(nodesVia.stdout.split('\n').length, 2, 'kubectl reaches the cluster through the merged file');
  const ctxs = await execa(join(binDir!, 'kubectl'), ['config', 'get-contexts', '-o', 'name'], { env: { KUBECONFIG: merged } });
  t.ok(ctxs.stdout.split('\n').includes('other'), 'the other context is kept');
}

t.test('local provider: create, nodes Ready, pods Running, delete leaves nothing', { skip: !binDir && 'IWP_K8S_BIN not set (scripts/testenv up kube)' }, async (t) => {
  const stateDir = join(await mkdtemp(join(tmpdir(), 'iwp-cu-')), 'c');
  const name = `t${process.pid}`;
  const created = await cli(['create', '--provider', 'local', '--name', name, '--nodes', '2', '--runtime', 'kwok', '--state-dir', stateDir, '--bin-dir', binDir!]);
  t.equal(created.exitCode, 0, created.stderr);
  const doc = JSON.parse(created.stdout);
  t.match(doc, { apiVersion: 'iwp/v1', kind: 'Cluster', name, provider: 'local', kubeconfig: join(stateDir, 'kubeconfig') });
  t.equal(doc.nodes.length, 2);
  t.ok(doc.nodes.every((n: { ready: boolean }) => n.ready), 'both nodes Ready');

  const again = await cli(['create', '--provider', 'local', '--name', name, '--state-dir', stateDir, '--bin-dir', binDir!]);
  t.equal(again.exitCode, 3, 'an existing cluster is a conflict');
  t.match(JSON.parse(again.stdout), { kind: 'Error', code: 'CONFLICT' });

  await checkPodsRun(t, doc);

  const status = await cli(['status', name, '--state-dir', stateDir]);
  t.equal(status.exitCode, 0);
  t.equal(JSON.parse(status.stdout).server, doc.server);

  await checkKubeconfigMerge(t, name, stateDir);
  const listed = await cli(['list'], { env: { XDG_CACHE_HOME: join(stateDir, '..', 'nocache') } });
  t.match(JSON.parse(listed.stdout), { kind: 'ClusterEntryList', items: [] }, 'list reads ~/.cache/iwp/clusters');

  const pids = await Promise.all(
    (await readdir(join(stateDir, 'pids'))).map(async (f) => Number((await readFile(join(stateDir, 'pids', f), 'utf8')).split('\n')[0])),
  );
  t.equal(pids.length, 5, 'five processes recorded');
  const del = await cli(['delete', name, '--state-dir', stateDir]);
  t.equal(del.exitCode, 0);
  t.same(JSON.parse(del.stdout).stopped.sort(), ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  t.same(await pidsAlive(pids), [], 'no process left');
  t.notOk(await stat(stateDir).then(() => true, () => false), 'state dir removed');
  const del2 = await cli(['delete', name, '--state-dir', stateDir]);
  t.equal(del2.exitCode, 0, 'delete is idempotent');
  t.equal(JSON.parse(del2.stdout).removed, false);
  const gone = await cli(['status', name, '--state-dir', stateDir]);
  t.equal(gone.exitCode, 4);
});

t.test('bad input: name and node count', async (t) => {
  const r = await cli(['create', '--name', 'Bad_Name', '--bin-dir', '/nonexistent']);
  t.equal(r.exitCode, 2);
  t.match(JSON.parse(r.stdout), { kind: 'Error', message: /^--name:/ });
  const n = await cli(['create', '--name', 'ok', '--nodes', '0', '--bin-dir', '/nonexistent']);
  t.equal(n.exitCode, 2);
  t.match(JSON.parse(n.stdout), { message: /^--nodes:/ });
});
