import type { KubeConfig, KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { API_VERSION, kubeClientNode, serverSideApply, timedOut } from '@iwp/core';
import { servingCrds } from './release.js';

export const SYSTEM_NAMESPACE = 'knative-serving';

/** The ConfigMaps Knative Serving's controllers read; empty data means Knative's defaults. */
export function servingConfigMaps(opts: { domain?: string; registriesSkippingTagResolving?: string[] } = {}): KubernetesObject[] {
  const data: Record<string, Record<string, string>> = {
    'config-autoscaler': { 'enable-scale-to-zero': 'true', 'container-concurrency-target-default': '100' },
    'config-defaults': {},
    'config-deployment': {
      'queue-sidecar-image': 'gcr.io/knative-releases/knative.dev/serving/cmd/queue',
      ...(opts.registriesSkippingTagResolving?.length ? { 'registries-skipping-tag-resolving': opts.registriesSkippingTagResolving.join(',') } : {}),
    },
    'config-domain': opts.domain ? { [opts.domain]: '' } : {},
    'config-features': {},
    'config-gc': {},
    'config-logging': {},
    'config-network': {},
    'config-observability': {},
  };
  return Object.entries(data).map(([name, d]) => ({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: SYSTEM_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'knative-serving', 'app.kubernetes.io/managed-by': 'iwp' } }, data: d,
  }) as KubernetesObject);
}

export interface InstallResult {
  apiVersion: string;
  kind: 'KnativeInstall';
  version: string;
  namespace: string;
  crds: string[];
  configMaps: string[];
}

/**
 * Installs Knative Serving's API into a cluster, as `kubectl apply --server-side` of the
 * release would: namespace, CRDs (waiting until Established) and config maps. The
 * controllers are separate processes (see the README).
 */
export async function installServing(kc: KubeConfig, opts: { version: string; timeoutMs?: number; domain?: string; registries?: string[] }): Promise<InstallResult> {
  const k8s = kubeClientNode();
  const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
  const crds = await servingCrds(opts.version);
  await serverSideApply(objects, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: SYSTEM_NAMESPACE } }]);
  await serverSideApply(objects, crds);
  const ext = kc.makeApiClient(k8s.ApiextensionsV1Api);
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    for (;;) {
      const cur: V1CustomResourceDefinition = await ext.readCustomResourceDefinition({ name });
      if (cur.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw timedOut(`CRD ${name} not Established in time`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const cms = servingConfigMaps({ domain: opts.domain, registriesSkippingTagResolving: opts.registries });
  await serverSideApply(objects, cms);
  return {
    apiVersion: API_VERSION, kind: 'KnativeInstall', version: opts.version, namespace: SYSTEM_NAMESPACE,
    crds: crds.map((c) => c.metadata!.name!), configMaps: cms.map((c) => c.metadata!.name!),
  };
}
