import type { Instance } from '@aws-sdk/client-ec2';
import { kubeClientNode, loadKubeConfig, type Cluster } from '@iwp/core';
import { ROLE_TAG } from './plan.js';

type ClusterNodes = NonNullable<Cluster['nodes']>;
/** Where the nodes' readiness came from: the Kubernetes API, or only EC2's instance state. */
export type Readiness = 'api' | 'instances';

const tag = (i: Instance, key: string) => i.Tags?.find((t) => t.Key === key)?.Value;

/** Nodes as EC2 sees them: ready means the instance is running (k3s may not be up yet). */
export function instanceNodes(instances: Instance[]): ClusterNodes {
  return instances.map((i) => ({
    name: i.InstanceId ?? '',
    role: tag(i, ROLE_TAG) ?? 'worker',
    ready: i.State?.Name === 'running',
    state: i.State?.Name ?? 'unknown',
    ...(i.PrivateIpAddress ? { address: i.PrivateIpAddress } : {}),
  }));
}

/** What the API says of a node: its InternalIP and whether it is Ready. */
export interface ApiNode { name: string; address?: string; ready: boolean }

/**
 * Nodes as the cluster sees them: each instance matched to its Kubernetes node by private
 * address; an instance that has not registered is not ready.
 */
export function apiNodes(instances: Instance[], nodes: ApiNode[]): ClusterNodes {
  return instances.map((i) => {
    const node = nodes.find((n) => n.address !== undefined && n.address === i.PrivateIpAddress);
    return {
      name: node?.name ?? i.InstanceId ?? '',
      role: tag(i, ROLE_TAG) ?? 'worker',
      ready: node?.ready ?? false,
      instance: i.InstanceId,
      state: i.State?.Name ?? 'unknown',
      ...(i.PrivateIpAddress ? { address: i.PrivateIpAddress } : {}),
    };
  });
}

export async function readApiNodes(kubeconfig: string): Promise<ApiNode[]> {
  const core = loadKubeConfig({ kubeconfig }).makeApiClient(kubeClientNode().CoreV1Api);
  return (await core.listNode()).items.map((n) => ({
    name: n.metadata?.name ?? '',
    ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    ...(n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ? { address: n.status!.addresses!.find((a) => a.type === 'InternalIP')!.address } : {}),
  }));
}
