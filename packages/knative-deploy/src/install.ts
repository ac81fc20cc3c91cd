import type { KubeConfig, KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { API_VERSION, badInput, kubeClientNode, serverSideApply, timedOut } from '@iwp/core';
import { manifestFrom, servingManifest } from './release.js';

export const SYSTEM_NAMESPACE = 'knative-serving';

export interface InstallOptions {
  version: string;
  /** a file or URL with the objects to install instead of the shipped manifest */
  manifest?: string;
  timeoutMs?: number;
  /** config-domain: the domain of service URLs (default: cluster-local addresses) */
  domain?: string;
  /** config-deployment: registries whose tags the controller does not resolve to digests */
  registries?: string[];
  /** any other setting: config map name -> key -> value (`--config config-autoscaler.stable-window=30s`) */
  config?: Record<string, Record<string, string>>;
}

export interface InstallResult {
  apiVersion: string;
  kind: 'KnativeInstall';
  version: string;
  source: string;
  namespace: string;
  crds: string[];
  configMaps: string[];
  objects: number;
}

/** Settings iwp layers over the release's config maps (data keys set, others kept). */
export function configOverrides(opts: Pick<InstallOptions, 'domain' | 'registries' | 'config'>): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {
    'config-autoscaler': { 'enable-scale-to-zero': 'true' },
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

function overlay(objects: KubernetesObject[], overrides: Record<string, Record<string, string>>): KubernetesObject[] {
  const out = objects.map((o) => {
    const data = o.kind === 'ConfigMap' && o.metadata?.namespace === SYSTEM_NAMESPACE ? overrides[o.metadata.name!] : undefined;
    return data ? { ...o, data: { ...(o as { data?: Record<string, string> }).data, ...data } } as KubernetesObject : o;
  });
  for (const [name, data] of Object.entries(overrides)) {
    if (!out.some((o) => o.kind === 'ConfigMap' && o.metadata?.name === name)) {
      out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: SYSTEM_NAMESPACE }, data } as KubernetesObject);
    }
  }
  return out;
}

async function waitEstablished(kc: KubeConfig, names: string[], timeoutMs: number): Promise<void> {
  const ext = kc.makeApiClient(kubeClientNode().ApiextensionsV1Api);
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const cur: V1CustomResourceDefinition = await ext.readCustomResourceDefinition({ name });
      if (cur.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw timedOut(`CRD ${name} not Established after ${Math.round(timeoutMs / 1000)}s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Installs Knative Serving as `kubectl apply --server-side` of its release would: namespaces
 * and CRDs first (waiting until the CRDs are Established), then everything else in order.
 * The default manifest is the API of the pinned version shipped with the package (namespace,
 * CRDs, config maps), so it works offline; `manifest` installs a release file instead
 * (serving-core.yaml brings the controllers as Deployments).
 */
export async function installServing(kc: KubeConfig, opts: InstallOptions): Promise<InstallResult> {
  const k8s = kubeClientNode();
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const objects = overlay(opts.manifest ? await manifestFrom(opts.manifest) : await servingManifest(opts.version), configOverrides(opts));
  const first = objects.filter((o) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition');
  const rest = objects.filter((o) => !first.includes(o));
  await serverSideApply(client, first);
  const crds = first.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata!.name!);
  await waitEstablished(kc, crds, opts.timeoutMs ?? 60_000);
  await serverSideApply(client, rest, {}, custom);
  return {
    apiVersion: API_VERSION, kind: 'KnativeInstall', version: opts.version, source: opts.manifest ?? `knative.dev/serving@${opts.version}`,
    namespace: SYSTEM_NAMESPACE, crds, configMaps: rest.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata!.name!), objects: objects.length,
  };
}
