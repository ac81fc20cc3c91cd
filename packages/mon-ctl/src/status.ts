import type { KubeConfig } from '@kubernetes/client-node';
import { kubeClientNode } from '@iwp/core';

export interface Rollout {
  kind: 'Deployment' | 'DaemonSet';
  name: string;
  desired: number;
  available: number;
  ready: boolean;
}

const SELECTOR = 'app.kubernetes.io/part-of=iwp-monitoring';

/** The stack's Deployments and DaemonSets and whether each has rolled out. */
export async function rollouts(kc: KubeConfig, ns: string): Promise<Rollout[]> {
  const apps = kc.makeApiClient(kubeClientNode().AppsV1Api);
  const deps = await apps.listNamespacedDeployment({ namespace: ns, labelSelector: SELECTOR });
  const dss = await apps.listNamespacedDaemonSet({ namespace: ns, labelSelector: SELECTOR });
  const out: Rollout[] = [];
  for (const d of deps.items) {
    const desired = d.spec?.replicas ?? 1;
    const s = d.status ?? {};
    const available = s.availableReplicas ?? 0;
    const current = (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && (s.updatedReplicas ?? 0) === desired;
    out.push({ kind: 'Deployment', name: d.metadata!.name!, desired, available, ready: current && available === desired });
  }
  for (const d of dss.items) {
    const s = d.status;
    const desired = s?.desiredNumberScheduled ?? 0;
    const available = s?.numberAvailable ?? 0;
    out.push({ kind: 'DaemonSet', name: d.metadata!.name!, desired, available, ready: (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) && available === desired });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
