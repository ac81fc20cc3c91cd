import type { KubernetesObject } from '@kubernetes/client-node';

/** Labels every object of the stack carries, so status and uninstall can find them. */
export const PART_OF = { 'app.kubernetes.io/part-of': 'iwp-monitoring', 'app.kubernetes.io/managed-by': 'mon-ctl' };

export type Obj = KubernetesObject & Record<string, unknown>;

export function meta(name: string, namespace: string | undefined, component: string, extra: Record<string, unknown> = {}) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { ...PART_OF, 'app.kubernetes.io/name': component },
    ...extra,
  };
}

export const selector = (component: string) => ({ 'app.kubernetes.io/name': component });

/** A Deployment of one container with resource requests, probes and the stack's labels. */
export function deployment(ns: string, name: string, spec: { serviceAccountName?: string; containers: unknown[]; volumes?: unknown[]; securityContext?: unknown }): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, ns, name),
    spec: {
      replicas: 1,
      selector: { matchLabels: selector(name) },
      strategy: { type: 'Recreate' },
      template: {
        metadata: { labels: { ...PART_OF, ...selector(name) } },
        spec: { ...spec },
      },
    },
  };
}

export function service(ns: string, name: string, port: number, targetPort: number | string = port): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(name, ns, name, { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(targetPort) } }),
    spec: { selector: selector(name), ports: [{ name: 'http', port, targetPort }] },
  };
}

export function configMap(ns: string, name: string, component: string, data: Record<string, string>): Obj {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name, ns, component), data };
}
