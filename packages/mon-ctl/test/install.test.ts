import t from 'tap';
import { execa } from 'execa';
import { kubeClientNode, loadKubeConfig } from '@iwp/core';
import { cli, cliJson, needsKube } from './helpers.js';

t.test('install against the real apiserver creates every object; a second install changes nothing', { skip: needsKube }, async (t) => {
  const ns = `mon-${Date.now().toString(36)}`;
  const kc = loadKubeConfig();
  const k8s = kubeClientNode();
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  t.teardown(async () => {
    const kubectl = `${process.env.IWP_K8S_BIN}/kubectl`;
    await execa(kubectl, ['delete', 'namespace', ns, '--wait=false'], { reject: false });
    await execa(kubectl, ['delete', 'clusterrole,clusterrolebinding', `iwp-prometheus-${ns}`, `iwp-kube-state-metrics-${ns}`, '--ignore-not-found'], { reject: false });
  });
  const manifests = JSON.parse(String((await cli(['manifests', '--namespace', ns, '--with', 'kube-state-metrics,node-exporter'])).stdout)) as { items: Array<{ apiVersion: string; kind: string; metadata: { name: string; namespace?: string } }> };

  const first = await cli(['install', '--namespace', ns, '--with', 'kube-state-metrics', '--with', 'node-exporter', '--timeout', '120']);
  t.equal(first.exitCode, 0, first.exitCode ? String(first.stderr) : 'installed');
  const doc = JSON.parse(String(first.stdout)) as { changed: string[]; unchanged: number; components: Array<{ name: string; kind: string; ready: boolean }> };
  t.equal(doc.changed.length, manifests.items.length, 'every object created');
  t.same(
    doc.components.map((c) => [c.kind, c.name, c.ready]),
    [['Deployment', 'grafana', true], ['Deployment', 'kube-state-metrics', true], ['DaemonSet', 'node-exporter', true], ['Deployment', 'prometheus', true]],
    'rolled out (pods Running on the simulated nodes)',
  );
  const versions = new Map<string, string>();
  for (const o of manifests.items) {
    const live = await objects.read(o as never);
    t.ok(live, `${o.kind}/${o.metadata.name} exists`);
    versions.set(`${o.kind}/${o.metadata.name}`, String((live as { metadata: { resourceVersion: string } }).metadata.resourceVersion));
  }
  const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name: 'grafana-admin', namespace: ns });
  const password = Buffer.from(secret.data!.password!, 'base64').toString();
  t.ok(password.length >= 20, 'a generated admin password');
  t.notMatch(String(first.stdout) + String(first.stderr), password, 'never printed');

  const second = await cliJson(['install', '--namespace', ns, '--with', 'kube-state-metrics,node-exporter']);
  t.same(second.changed, [], 'a second install changes nothing');
  t.equal(second.unchanged, manifests.items.length);
  for (const o of manifests.items) {
    const live = (await objects.read(o as never)) as { metadata: { resourceVersion: string } };
    t.equal(live.metadata.resourceVersion, versions.get(`${o.kind}/${o.metadata.name}`), `${o.kind}/${o.metadata.name} untouched`);
  }
  const again = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ name: 'grafana-admin', namespace: ns });
  t.equal(Buffer.from(again.data!.password!, 'base64').toString(), password, 'the password is kept');

  const status = await cliJson(['status', '--namespace', ns]);
  t.match(status, { kind: 'MonitoringStack', namespace: ns, components: [{ name: 'grafana', ready: true }, { name: 'kube-state-metrics', ready: true }, { name: 'node-exporter', ready: true }, { name: 'prometheus', ready: true }] });
});
