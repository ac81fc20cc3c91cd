/**
 * KIngress (networking.internal.knative.dev/v1alpha1) routing as data: which backend a request
 * goes to, by Host, path and headers, split by percent, with the headers Knative asks to
 * append (Knative-Serving-Revision and -Namespace, which the activator needs to find the
 * revision). Pure: the proxy and the tests use the same table.
 */
export interface Split {
  serviceName: string;
  serviceNamespace: string;
  servicePort: number | string;
  percent?: number;
  appendHeaders?: Record<string, string>;
}
export interface IngressPath {
  path?: string;
  headers?: Record<string, { exact?: string }>;
  appendHeaders?: Record<string, string>;
  splits: Split[];
}
export interface IngressRule {
  hosts?: string[];
  visibility?: string;
  http?: { paths?: IngressPath[] };
}
export interface KIngress {
  metadata: { name: string; namespace: string; generation?: number; annotations?: Record<string, string> };
  spec?: { rules?: IngressRule[] };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

export interface Backend {
  /** host:port of the Kubernetes Service */
  target: string;
  headers: Record<string, string>;
}

/** host (lower case, no port) -> the paths of every KIngress that names it */
export type RouteTable = Map<string, IngressPath[]>;

export function routeTable(ingresses: KIngress[]): RouteTable {
  const table: RouteTable = new Map();
  for (const i of ingresses) {
    for (const rule of i.spec?.rules ?? []) {
      for (const host of rule.hosts ?? []) {
        const key = host.toLowerCase();
        table.set(key, [...(table.get(key) ?? []), ...(rule.http?.paths ?? [])]);
      }
    }
  }
  return table;
}

const hostOnly = (host: string) => host.toLowerCase().replace(/:\d+$/, '');

/** The backend of a request, or undefined (404); `rand` in [0,1) picks the split. */
export function pickBackend(table: RouteTable, host: string, path: string, headers: Record<string, string | string[] | undefined>, rand = Math.random()): Backend | undefined {
  const paths = table.get(hostOnly(host));
  const p = paths?.find((c) => path.startsWith(c.path ?? '/') && Object.entries(c.headers ?? {}).every(([k, m]) => m.exact === undefined || headers[k.toLowerCase()] === m.exact));
  if (!p || p.splits.length === 0) return undefined;
  const total = p.splits.reduce((s, x) => s + (x.percent ?? 0), 0);
  let at = rand * (total || 1);
  const split = total ? p.splits.find((x) => (at -= x.percent ?? 0) < 0) ?? p.splits.at(-1)! : p.splits[0]!;
  return {
    target: `${split.serviceName}.${split.serviceNamespace}.svc.cluster.local:${split.servicePort}`,
    headers: { ...p.appendHeaders, ...split.appendHeaders },
  };
}

/** The status a networking layer writes once it serves an Ingress: Ready, with its load balancer's in-cluster name. */
export function readyStatus(i: KIngress, domainInternal: string, now = new Date().toISOString()) {
  const cond = (type: string) => ({ type, status: 'True', lastTransitionTime: now });
  return {
    observedGeneration: i.metadata.generation,
    conditions: [cond('LoadBalancerReady'), cond('NetworkConfigured'), cond('Ready')],
    publicLoadBalancer: { ingress: [{ domainInternal }] },
    privateLoadBalancer: { ingress: [{ domainInternal }] },
  };
}

export const isReady = (i: KIngress) =>
  i.status?.observedGeneration === i.metadata.generation && (i.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
