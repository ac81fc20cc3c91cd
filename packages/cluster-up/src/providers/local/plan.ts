import { API_VERSION } from '@iwp/core';
import { localNodes } from '../../descriptor.js';
import type { NodeRequest } from '../../local/nodes.js';
import type { ClusterPlan, ClusterRequest, PlannedResource } from '../types.js';

export interface LocalPlan extends ClusterPlan {
  provider: 'local';
  kubernetes: { version: string };
  processes: string[];
  registry?: string;
  nodes: Array<Required<Pick<NodeRequest, 'name' | 'role' | 'runtime' | 'labels' | 'taints'>>>;
  binDir?: string;
  sandboxImage?: string;
}

/** The nodes of a request: the descriptor's (each node's runtime overridable), else `--nodes` workers. */
export function localRequestNodes(req: ClusterRequest): NodeRequest[] {
  if (req.env && req.nodes === undefined) {
    const nodes = localNodes({ ...req.env, name: req.name });
    if (req.runtime) for (const n of nodes) n.runtime = req.runtime;
    return nodes;
  }
  return Array.from({ length: req.nodes ?? 1 }, (_, i) => ({ name: `${req.name}-worker-${i + 1}`, role: 'worker', runtime: req.runtime ?? 'containerd' }));
}

/** Processes a local cluster runs: the control plane, kwok for simulated nodes, each real node's components. */
export function localProcesses(nodes: NodeRequest[]): string[] {
  const real = nodes.filter((n) => n.runtime !== 'kwok');
  return [
    'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler',
    ...(real.length < nodes.length ? ['kwok'] : []),
    ...real.flatMap((n) => [`${n.name}-containerd`, `${n.name}-kubelet`, `${n.name}-kube-proxy`]),
    ...(real.length ? ['coredns'] : []),
  ];
}

export function localPlan(req: ClusterRequest): LocalPlan {
  const nodes = localRequestNodes(req).map((n) => ({ name: n.name, role: n.role, runtime: n.runtime ?? 'containerd', labels: n.labels ?? {}, taints: n.taints ?? [] }));
  const real = nodes.filter((n) => n.runtime !== 'kwok');
  const registry = real.length ? (req.registry ?? req.env?.registry ?? '127.0.0.1:5000') : undefined;
  const processes = localProcesses(nodes);
  const resources: PlannedResource[] = [
    { type: 'state-dir', name: req.stateDir },
    ...processes.map((p) => ({ type: 'process', name: p })),
    ...nodes.map((n) => ({ type: 'node', name: n.name, runtime: n.runtime })),
    ...(real.length ? [
      { type: 'network-slot', name: '/run/iwp/slots/<k>', note: 'the first free slot k, chosen at create' },
      { type: 'bridge', name: 'iwp<k>' },
      ...real.map((n) => ({ type: 'network-namespace', name: `iwp<k>-${n.name}` })),
      { type: 'cgroup', name: '/iwp<k>' },
    ] : []),
  ];
  return {
    apiVersion: API_VERSION, kind: 'ClusterPlan', name: req.name, provider: 'local', kubernetes: { version: req.env?.kubernetes.version ?? 'v1.34.4' },
    stateDir: req.stateDir, processes, ...(registry ? { registry } : {}), nodes, resources,
    ...(req.binDir ? { binDir: req.binDir } : {}), ...(req.sandboxImage ? { sandboxImage: req.sandboxImage } : {}),
  };
}
