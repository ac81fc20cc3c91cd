import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { kubeClientNode } from '@iwp/core';

export const KWOK_ANNOTATION = 'kwok.x-k8s.io/node';

export interface NodeRequest {
  name: string;
  role: string;
  /** containerd: a real node (kubelet, containerd, runc, CNI); kwok: simulated */
  runtime?: 'containerd' | 'kwok';
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  cpu?: string;
  memory?: string;
  pods?: string;
}

/** A simulated node that kwok manages: it turns Ready and runs the pods bound to it. */
export function kwokNode(n: NodeRequest): V1Node {
  const capacity = { cpu: n.cpu ?? '4', memory: n.memory ?? '16Gi', pods: n.pods ?? '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: n.name,
      annotations: { [KWOK_ANNOTATION]: 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        ...(n.role === 'control-plane' ? { 'node-role.kubernetes.io/control-plane': '' } : { 'node-role.kubernetes.io/worker': '' }),
        ...n.labels,
      },
    },
    spec: n.taints?.length ? { taints: n.taints } : {},
    status: { allocatable: capacity, capacity, nodeInfo: { kubeletVersion: 'fake', kubeProxyVersion: 'fake', architecture: 'amd64', operatingSystem: 'linux', bootID: '', containerRuntimeVersion: '', kernelVersion: '', machineID: '', osImage: '', systemUUID: '' } },
  };
}

/** Creates the simulated nodes that do not exist yet. */
export async function ensureNodes(core: CoreV1Api, nodes: NodeRequest[]): Promise<void> {
  const existing = new Set((await core.listNode()).items.map((n) => n.metadata?.name));
  // taints go on after kwok has marked the node Ready (kwok keeps its own status fields)
  for (const n of nodes) if (!existing.has(n.name)) await core.createNode({ body: kwokNode(n) });
}

/** Every node: its name, labels, Ready condition and InternalIP. */
export async function nodeReadiness(core: CoreV1Api): Promise<{ name: string; ready: boolean; labels: Record<string, string>; address?: string }[]> {
  return (await core.listNode()).items.map((n) => ({
    name: n.metadata?.name ?? '',
    labels: n.metadata?.labels ?? {},
    ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    address: n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address,
  }));
}

/** Role and labels of real nodes that kubelet may not set itself (node-role.kubernetes.io/…). */
export async function labelNodes(core: CoreV1Api, nodes: NodeRequest[]): Promise<void> {
  const k8s = kubeClientNode();
  const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
  for (const n of nodes) {
    const labels = { [`node-role.kubernetes.io/${n.role === 'control-plane' ? 'control-plane' : 'worker'}`]: '', ...n.labels };
    await core.patchNode({ name: n.name, body: { metadata: { labels } } }, merge);
  }
}
