// The rendered install, checked offline (no cluster): what a real cluster (EC2 k3s, kind) would
// get from `install --images release|build --networking kourier|local`.
import t from 'tap';
import type { KubernetesObject } from '@kubernetes/client-node';
import { koPaths, knativeRelease } from '../src/images.js';
import { ingressObjects } from '../src/ingress/objects.js';
import { configOverrides } from '../src/install.js';
import { DEFAULT_SERVING_VERSION, kourierManifest, servingManifest } from '../src/release.js';
import { renderInstall, type InstallPlan } from '../src/render.js';
import { checkDowngrade, compareVersions } from '../src/version.js';

type Pod = { serviceAccountName?: string; containers: { image: string }[]; initContainers?: { image: string }[] };
const all = (p: InstallPlan) => [...p.crds, ...p.objects, ...p.webhookConfigs];
const deployments = (objs: KubernetesObject[]) => objs.filter((o) => o.kind === 'Deployment') as (KubernetesObject & { spec: { template: { spec: Pod } } })[];
const images = (objs: KubernetesObject[]) => deployments(objs).flatMap((d) => [...d.spec.template.spec.containers, ...(d.spec.template.spec.initContainers ?? [])].map((c) => ({ d: d.metadata!.name!, image: c.image })));
// a registry reference: host[:port]/path[:tag][@sha256:...]
const REF = /^[a-z0-9.-]+(:\d+)?\/[a-z0-9._/-]+(:[A-Za-z0-9_.-]+)?(@sha256:[0-9a-f]{64})?$/;
const BY_DIGEST = /@sha256:[0-9a-f]{64}$/;
const sha = (c: string) => `sha256:${c.repeat(64)}`;

t.test('the shipped manifest is the whole of serving core, images as ko:// paths with their release images', async (t) => {
  const m = await servingManifest(DEFAULT_SERVING_VERSION);
  const kinds = (k: string) => m.objects.filter((o) => o.kind === k).map((o) => o.metadata!.name!).sort();
  t.same(kinds('Deployment'), ['activator', 'autoscaler', 'controller', 'webhook']);
  t.same(kinds('Service'), ['activator-service', 'autoscaler', 'controller', 'webhook']);
  t.same(kinds('HorizontalPodAutoscaler'), ['activator', 'webhook']);
  t.same(kinds('PodDisruptionBudget'), ['activator-pdb', 'webhook-pdb']);
  t.same(kinds('Secret'), ['webhook-certs']);
  t.equal(kinds('CustomResourceDefinition').length, 12, 'serving, networking and caching CRDs');
  t.ok(kinds('ConfigMap').includes('config-network') && kinds('ConfigMap').includes('config-deployment'));
  t.same(koPaths(m.objects), ['activator', 'autoscaler', 'controller', 'queue', 'webhook'].map((c) => `knative.dev/serving/cmd/${c}`));
  t.same(Object.keys(m.releaseImages).sort(), koPaths(m.objects));
  t.equal(m.release, knativeRelease(DEFAULT_SERVING_VERSION));
  t.notOk(JSON.stringify(m.objects).includes('"devel"'), 'versions filled in');
});

async function plans() {
  const serving = await servingManifest(DEFAULT_SERVING_VERSION);
  const kourier = await kourierManifest(DEFAULT_SERVING_VERSION);
  const built = Object.fromEntries(koPaths(serving.objects).map((p, i) => [p, `127.0.0.1:5000/knative/${p.split('/').at(-1)}@${sha(String(i))}`]));
  return {
    release: renderInstall(serving, { images: { ...serving.releaseImages, ...kourier.releaseImages }, overrides: configOverrides({ networking: 'kourier' }), networking: kourier.objects }),
    build: renderInstall(serving, { images: built, overrides: configOverrides({ networking: 'local' }), networking: ingressObjects(`127.0.0.1:5000/iwp/ingress@${sha('f')}`) }),
    api: renderInstall(serving, { images: serving.releaseImages, overrides: configOverrides({}), apiOnly: true }),
  };
}

t.test('no ko:// left; every Deployment image a real reference, by digest when built', async (t) => {
  const p = await plans();
  for (const [name, plan] of Object.entries(p)) t.notOk(JSON.stringify(all(plan)).includes('ko://'), `${name}: no ko://`);
  for (const { d, image } of images(all(p.release))) t.match(image, REF, `release ${d}: ${image}`);
  for (const { d, image } of images(all(p.build))) t.match(image, BY_DIGEST, `build ${d}: ${image}`);
  const cm = (plan: InstallPlan, name: string) => (all(plan).find((o) => o.kind === 'ConfigMap' && o.metadata!.name === name) as { data: Record<string, string> }).data;
  t.match(cm(p.build, 'config-deployment')['queue-sidecar-image'], /^127\.0\.0\.1:5000\/knative\/queue@sha256:/);
  t.match(cm(p.release, 'config-deployment')['queue-sidecar-image'], /^gcr\.io\/knative-releases\/knative\.dev\/serving\/cmd\/queue:v1\.\d+\.\d+$/);
  t.equal(cm(p.build, 'config-network')['ingress-class'], 'local.ingress.networking.iwp.dev');
  t.equal(cm(p.release, 'config-network')['ingress-class'], 'kourier.ingress.networking.knative.dev');
  t.ok(deployments(all(p.release)).some((d) => d.metadata!.name === 'net-kourier-controller') && deployments(all(p.release)).some((d) => d.metadata!.name === '3scale-kourier-gateway'));
  t.ok(deployments(all(p.build)).some((d) => d.metadata!.name === 'iwp-ingress'));
  const serving = await servingManifest(DEFAULT_SERVING_VERSION);
  t.throws(() => renderInstall(serving, { images: {}, overrides: {} }), { message: /no image for ko:\/\/knative\.dev\/serving\/cmd\// });
});

t.test('RBAC for every ServiceAccount a Deployment runs as', async (t) => {
  for (const [name, plan] of Object.entries(await plans())) {
    if (name === 'api') continue;
    const objs = all(plan);
    const bindings = objs.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding') as (KubernetesObject & { subjects?: { kind: string; name: string; namespace?: string }[]; roleRef: { kind: string; name: string } })[];
    for (const d of deployments(objs)) {
      const sa = d.spec.template.spec.serviceAccountName ?? 'default';
      const ns = d.metadata!.namespace!;
      if (sa === 'default') { t.pass(`${name} ${ns}/${d.metadata!.name}: default service account, no API access needed`); continue; }
      t.ok(objs.some((o) => o.kind === 'ServiceAccount' && o.metadata!.name === sa && o.metadata!.namespace === ns), `${name}: ServiceAccount ${ns}/${sa}`);
      const bound = bindings.filter((b) => b.subjects?.some((s) => s.kind === 'ServiceAccount' && s.name === sa && (s.namespace ?? b.metadata!.namespace) === ns));
      t.ok(bound.length > 0, `${name}: ${ns}/${sa} is bound`);
      for (const b of bound) t.ok(b.roleRef.kind === 'ClusterRole' ? objs.some((o) => o.kind === 'ClusterRole' && o.metadata!.name === b.roleRef.name) : objs.some((o) => o.kind === 'Role' && o.metadata!.name === b.roleRef.name), `${name}: ${b.roleRef.kind} ${b.roleRef.name} exists`);
    }
  }
});

t.test('webhook: its configurations present, applied last, after the webhook and what it reads', async (t) => {
  const { release, api } = await plans();
  const cfgs = all(release).filter((o) => /WebhookConfiguration$/.test(o.kind!)) as (KubernetesObject & { webhooks: { clientConfig: { service: { name: string; namespace: string } }; failurePolicy?: string }[] })[];
  t.same(cfgs.map((o) => `${o.kind}/${o.metadata!.name}`).sort(), [
    'MutatingWebhookConfiguration/webhook.serving.knative.dev', 'ValidatingWebhookConfiguration/config.webhook.serving.knative.dev', 'ValidatingWebhookConfiguration/validation.webhook.serving.knative.dev',
  ]);
  for (const c of cfgs) for (const w of c.webhooks) t.same(w.clientConfig.service, { ...w.clientConfig.service, name: 'webhook', namespace: 'knative-serving' });
  t.same(release.webhookConfigs.map((o) => o.kind).sort(), ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], 'configurations last, on their own');
  const step = release.objects.map((o) => `${o.kind}/${o.metadata!.name}`);
  for (const o of ['Deployment/webhook', 'Service/webhook', 'Secret/webhook-certs', 'ConfigMap/config-logging', 'ServiceAccount/controller', 'ClusterRoleBinding/knative-serving-controller-admin', 'Deployment/controller', 'Deployment/activator']) t.ok(step.includes(o), `${o} before the webhook configurations`);
  const firstDeployment = step.findIndex((s) => s.startsWith('Deployment/'));
  for (const o of ['ServiceAccount/controller', 'Secret/webhook-certs', 'ConfigMap/config-logging', 'ClusterRoleBinding/knative-serving-controller-admin']) t.ok(step.indexOf(o) < firstDeployment, `${o} before any Deployment`);
  t.same(release.crds.map((o) => o.kind).filter((k, i, a) => a.indexOf(k) === i).sort(), ['CustomResourceDefinition', 'Namespace']);
  t.same([...new Set(all(api).map((o) => o.kind))].sort(), ['ConfigMap', 'CustomResourceDefinition', 'Namespace'], '--api-only: the API and config maps');
});

t.test('versions: upgrades pass, a downgrade needs --force (exit 2 naming --version)', async (t) => {
  t.equal(compareVersions('v0.49.1', 'v0.50.0'), -1);
  t.equal(compareVersions('v0.50.0', 'v0.50.0'), 0);
  t.doesNotThrow(() => checkDowngrade('v0.49.0', 'v0.50.0', false));
  t.doesNotThrow(() => checkDowngrade(undefined, 'v0.50.0', false));
  t.throws(() => checkDowngrade('v0.51.0', 'v0.50.0', false), { message: /^--version: expected a version not older than the installed v0\.51\.0 \(a downgrade needs --force\)/, exitCode: 2 });
  t.doesNotThrow(() => checkDowngrade('v0.51.0', 'v0.50.0', true));
  t.equal(knativeRelease('v0.44.2'), 'v1.17.2');
});
