import { API_VERSION, type Environment } from '@iwp/core';
import type { ClusterPlan, ClusterRequest, PlannedResource } from '../types.js';

/** The kind node image of a Kubernetes version. */
export const kindImage = (version: string) => `kindest/node:${version}`;
/** Where containerd on a kind node looks for per-registry hosts.toml files. */
export const CERTS_D = '/etc/containerd/certs.d';
/** The docker network kind puts its nodes on. */
export const KIND_NETWORK = 'kind';

export interface KindNode {
  role: 'control-plane' | 'worker';
  labels: Record<string, string>;
}

export interface KindPlan extends ClusterPlan {
  provider: 'kind';
  kubernetes: { version: string };
  image: string;
  nodes: KindNode[];
  /** the registry images are pulled from, as pod specs name it */
  registry?: string;
  /** the kind config with the registry mirror as the plan knows it (see kindConfig) */
  kindConfig: Record<string, unknown>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?$/;
/** A registry named by a loopback address, which a kind node cannot reach under that name. */
export const isLoopback = (registry: string) => LOOPBACK.test(registry);

/**
 * Where a kind node reaches the registry. A node's loopback is its own, so a registry on the
 * host's loopback name is reached through the host's address on the kind network (the docker
 * network's gateway); other registries are reached as they are named.
 */
export function mirrorEndpoint(registry: string, hostAddress: string | undefined): string {
  const m = LOOPBACK.exec(registry);
  if (!m) return `http://${registry}`;
  return `http://${hostAddress ?? '<kind network gateway>'}${m[2] ?? ''}`;
}

/** containerd's hosts.toml for the registry on a node: plain HTTP, pull and resolve. */
export function hostsToml(registry: string, hostAddress: string | undefined): string {
  const ep = mirrorEndpoint(registry, hostAddress);
  return `server = "${ep}"\n\n[host."${ep}"]\n  capabilities = ["pull", "resolve"]\n`;
}

/**
 * The kind config: one kind node per requested node with its labels, and containerd told to
 * read registry hosts from `/etc/containerd/certs.d` (kind's documented way to add a local
 * registry; the hosts.toml files are written into the nodes after create).
 */
export function kindConfig(p: Pick<KindPlan, 'name' | 'image' | 'nodes' | 'registry'>): Record<string, unknown> {
  return {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: p.name,
    nodes: p.nodes.map((n) => ({ role: n.role, image: p.image, ...(Object.keys(n.labels).length ? { labels: n.labels } : {}) })),
    ...(p.registry ? { containerdConfigPatches: [`[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "${CERTS_D}"`] } : {}),
  };
}

function kindNodes(env: Environment | undefined, workers: number): KindNode[] {
  const groups = env?.nodes ?? [{ role: 'control-plane' as const, count: 1 }, { role: 'worker' as const, count: workers }];
  const nodes = groups.flatMap((g) => Array.from({ length: g.count }, () => ({ role: g.role, labels: g.labels ?? {} })))
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'control-plane' ? -1 : 1));
  // kind needs a control-plane node; a descriptor of workers only gets one
  return nodes.some((n) => n.role === 'control-plane') ? nodes : [{ role: 'control-plane', labels: {} }, ...nodes];
}

/** The node containers kind names `<cluster>-control-plane`, `<cluster>-control-plane2`, `<cluster>-worker`, … */
export function nodeNames(name: string, nodes: KindNode[]): string[] {
  const seen: Record<string, number> = {};
  return nodes.map((n) => {
    const i = (seen[n.role] = (seen[n.role] ?? 0) + 1);
    return `${name}-${n.role}${i > 1 ? i : ''}`;
  });
}

export function kindPlan(req: ClusterRequest): KindPlan {
  const version = req.env?.kubernetes.version ?? 'v1.34.4';
  const nodes = kindNodes(req.env, req.nodes ?? 1);
  const registry = req.registry ?? req.env?.registry ?? undefined;
  const base = { name: req.name, image: kindImage(version), nodes, ...(registry ? { registry } : {}) };
  const resources: PlannedResource[] = [
    { type: 'docker-network', name: KIND_NETWORK, note: 'kind\'s, made when missing' },
    ...nodeNames(req.name, nodes).map((name, i) => ({ type: 'container', name, role: nodes[i]!.role, image: base.image })),
    ...(registry ? [{ type: 'registry-mirror', name: registry, endpoint: mirrorEndpoint(registry, undefined), file: `${CERTS_D}/${registry}/hosts.toml` }] : []),
    { type: 'file', name: `${req.stateDir}/kind.yaml` },
    { type: 'file', name: `${req.stateDir}/kubeconfig` },
  ];
  return {
    apiVersion: API_VERSION, kind: 'ClusterPlan', provider: 'kind', stateDir: req.stateDir, kubernetes: { version },
    ...base, kindConfig: kindConfig(base), resources,
  };
}
