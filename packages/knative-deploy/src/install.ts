import type { CoreV1Api, KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, badInput, kubeClientNode, serverSideApply, type KnativeInstall, type Runner } from '@iwp/core';
import { buildIngressImage, buildServingImages, checkRegistry, type BuiltImage } from './build-images.js';
import { ingressObjects } from './ingress/objects.js';
import { LOCAL_INGRESS_CLASS } from './ingress/server.js';
import { kourierManifest, manifestFrom, servingManifest, type KnativeManifest } from './release.js';
import { SYSTEM_NAMESPACE, renderInstall, type InstallPlan } from './render.js';
import { waitEstablished, waitRolledOut, waitWebhooksConfigured } from './rollout.js';
import { checkDowngrade, installedVersion } from './version.js';

export { SYSTEM_NAMESPACE } from './render.js';

export type ImagesSource = 'build' | 'release';
export type Networking = 'local' | 'kourier' | 'none';
const KOURIER_CLASS = 'kourier.ingress.networking.knative.dev';

export interface InstallOptions {
  version: string;
  /** a file or URL with the objects to install instead of the shipped manifest */
  manifest?: string;
  /** build: from the Go module, pushed to `registry`; release: Knative's published images */
  images?: ImagesSource;
  networking?: Networking;
  /** only namespace, CRDs and config maps: Knative's controllers run elsewhere (the test environment) */
  apiOnly?: boolean;
  /** host:port of the registry the cluster pulls from (--images build, --networking local) */
  registry?: string;
  /** allow installing an older version over a newer one */
  force?: boolean;
  timeoutMs?: number;
  /** config-domain: the domain of service URLs (default: cluster-local addresses) */
  domain?: string;
  /** config-deployment: registries whose tags the controller does not resolve to digests */
  registries?: string[];
  /** any other setting: config map name -> key -> value (`--config config-autoscaler.stable-window=30s`) */
  config?: Record<string, Record<string, string>>;
  run?: Runner;
  fetcher?: typeof fetch;
  log?: (line: string) => void;
}


/** Settings iwp layers over the release's config maps (data keys set, others kept). */
export function configOverrides(opts: Pick<InstallOptions, 'domain' | 'registries' | 'config' | 'networking'>): Record<string, Record<string, string>> {
  const ingressClass = opts.networking === 'local' ? LOCAL_INGRESS_CLASS : opts.networking === 'kourier' ? KOURIER_CLASS : undefined;
  const out: Record<string, Record<string, string>> = {
    'config-autoscaler': { 'enable-scale-to-zero': 'true' },
    ...(ingressClass ? { 'config-network': { 'ingress-class': ingressClass } } : {}),
    ...(opts.domain ? { 'config-domain': { [opts.domain]: '' } } : {}),
    ...(opts.registries?.length ? { 'config-deployment': { 'registries-skipping-tag-resolving': opts.registries.join(',') } } : {}),
  };
  for (const [cm, data] of Object.entries(opts.config ?? {})) out[cm] = { ...out[cm], ...data };
  return out;
}

/** `--config NAME.KEY=VALUE` flags into config map settings; NAME is a config map of knative-serving. */
export function parseConfigFlags(values: string[] = []): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const v of values) {
    const m = /^(config-[a-z-]+)\.([A-Za-z0-9._-]+)=(.*)$/.exec(v);
    if (!m) throw badInput('--config', 'CONFIGMAP.KEY=VALUE, e.g. config-autoscaler.stable-window=30s', v);
    (out[m[1]!] ??= {})[m[2]!] = m[3]!;
  }
  return out;
}

async function source(opts: InstallOptions): Promise<KnativeManifest> {
  if (!opts.manifest) return servingManifest(opts.version, opts.fetcher);
  const objects = await manifestFrom(opts.manifest, opts.fetcher);
  return { apiVersion: API_VERSION, kind: 'KnativeManifest', component: 'serving', version: opts.version, release: '', sources: [opts.manifest], releaseImages: {}, objects };
}

/** The images and networking objects an install needs: built and pushed first, so a failure installs nothing. */
async function prepare(opts: InstallOptions, serving: KnativeManifest): Promise<{ images: Record<string, string>; networking: KubernetesObject[]; built?: BuiltImage[] }> {
  const networking = opts.networking ?? 'none';
  let images = { ...serving.releaseImages };
  if (opts.apiOnly || opts.manifest) return { images, networking: [] };
  const needsRegistry = opts.images === 'build' || networking === 'local';
  if (needsRegistry && !opts.registry) throw badInput('--registry', `the registry the cluster pulls from (or a Cluster document with "registry"), for ${opts.images === 'build' ? '--images build' : '--networking local'}`, undefined);
  if (needsRegistry) await checkRegistry(opts.registry!, opts.fetcher);
  const b = { version: opts.version, registry: opts.registry!, run: opts.run, fetcher: opts.fetcher, log: opts.log };
  // the ingress image is built beside Knative's own
  const [knative, ingress] = await Promise.all([
    opts.images === 'build' ? buildServingImages(b) : [],
    networking === 'local' ? buildIngressImage(b) : undefined,
  ]);
  const built: BuiltImage[] = [...knative, ...(ingress ? [ingress] : [])];
  for (const i of knative) images[i.path] = i.ref;
  const objects: KubernetesObject[] = [];
  if (ingress) {
    objects.push(...ingressObjects(ingress.ref));
  } else if (networking === 'kourier') {
    const k = await kourierManifest(opts.version);
    images = { ...k.releaseImages, ...images };
    objects.push(...k.objects);
  }
  return { images, networking: objects, built: needsRegistry ? built : undefined };
}

/** A webhook configuration whose webhooks Knative's webhook serves (it fills in their CA itself). */
const servedByKnative = (o: KubernetesObject) =>
  ((o as { webhooks?: { clientConfig?: { service?: { namespace?: string } } }[] }).webhooks ?? []).every((w) => w.clientConfig?.service?.namespace === SYSTEM_NAMESPACE);

/** Pods cannot run where every node is kwok's (annotation kwok.x-k8s.io/node=fake). */
async function onlySimulatedNodes(core: CoreV1Api): Promise<boolean> {
  const nodes = (await core.listNode()).items;
  return nodes.length > 0 && nodes.every((n) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake');
}

/**
 * Installs (or upgrades in place) Knative Serving core and a networking layer as `kubectl
 * apply --server-side` of the release would, in three steps: namespaces and CRDs (until
 * Established), then every other object but the webhook configurations, RBAC and config maps
 * ahead of the Deployments (until every Deployment has rolled out, the webhook's included), then
 * the webhook configurations (until Knative's webhook has written its CA into them). Nothing
 * is deleted, so user Services survive an upgrade. Images are built and pushed before the first
 * object is applied.
 */
export async function installServing(kc: KubeConfig, opts: InstallOptions): Promise<KnativeInstall> {
  const k8s = kubeClientNode();
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const previous = await installedVersion(core, SYSTEM_NAMESPACE);
  checkDowngrade(previous, opts.version, Boolean(opts.force));
  if (!opts.apiOnly && await onlySimulatedNodes(core)) {
    opts.log?.('every node is simulated (kwok): installing the API only; Knative\'s controllers must run elsewhere');
    opts = { ...opts, apiOnly: true };
  }
  const serving = await source(opts);
  const { images, networking, built } = await prepare(opts, serving);
  const plan: InstallPlan = renderInstall(serving, { images, overrides: configOverrides(opts), apiOnly: opts.apiOnly, networking });
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  await serverSideApply(client, plan.crds);
  const crds = plan.crds.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata!.name!);
  await waitEstablished(kc, crds, deadline);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await serverSideApply(client, plan.objects, {}, custom);
  if (!opts.apiOnly) await waitRolledOut(apps, plan.objects, deadline);
  await serverSideApply(client, plan.webhookConfigs, {}, custom);
  if (!opts.apiOnly) await waitWebhooksConfigured(kc, plan.webhookConfigs.filter(servedByKnative), deadline);
  const all = [...plan.crds, ...plan.objects, ...plan.webhookConfigs];
  return {
    apiVersion: API_VERSION, kind: 'KnativeInstall', apiOnly: Boolean(opts.apiOnly), version: opts.version, source: opts.manifest ?? serving.sources.join(' '), namespace: SYSTEM_NAMESPACE,
    images: opts.apiOnly ? 'none' : opts.manifest ? 'manifest' : opts.images ?? 'release', networking: opts.apiOnly ? 'none' : opts.networking ?? 'none',
    ...(previous ? { previousVersion: previous } : {}), ...(built ? { built } : {}),
    crds, configMaps: all.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata!.name!),
    deployments: all.filter((o) => o.kind === 'Deployment').map((o) => `${o.metadata!.namespace}/${o.metadata!.name}`), objects: all.length,
  };
}
