import type { KubernetesObject } from '@kubernetes/client-node';
import { SYSTEM_NAMESPACE } from '../render.js';
import { LOCAL_INGRESS_CLASS } from './server.js';

export const INGRESS_NAME = 'iwp-ingress';
export const ingressDomain = (namespace = SYSTEM_NAMESPACE) => `${INGRESS_NAME}.${namespace}.svc.cluster.local`;

/**
 * iwp's ingress as objects: its service account with the rights it uses (follow KIngresses,
 * write their status), the Deployment running `image`, and a ClusterIP Service (port 80) that
 * Knative's Routes point at (the KIngress load balancer) and that the host reaches directly.
 */
export function ingressObjects(image: string, namespace = SYSTEM_NAMESPACE): KubernetesObject[] {
  const labels = { app: INGRESS_NAME, 'app.kubernetes.io/component': 'ingress', 'app.kubernetes.io/name': 'iwp', 'networking.knative.dev/ingress-provider': 'iwp' };
  const meta = { name: INGRESS_NAME, namespace, labels };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: INGRESS_NAME, labels },
      rules: [
        { apiGroups: ['networking.internal.knative.dev'], resources: ['ingresses'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['networking.internal.knative.dev'], resources: ['ingresses/status'], verbs: ['get', 'patch', 'update'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: INGRESS_NAME, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: INGRESS_NAME },
      subjects: [{ kind: 'ServiceAccount', name: INGRESS_NAME, namespace }],
    },
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta,
      spec: {
        replicas: 1, selector: { matchLabels: { app: INGRESS_NAME } },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: INGRESS_NAME,
            containers: [{
              name: 'ingress', image,
              env: [{ name: 'INGRESS_DOMAIN', value: ingressDomain(namespace) }, { name: 'INGRESS_CLASS', value: LOCAL_INGRESS_CLASS }, { name: 'PORT', value: '8080' }],
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 2 },
              resources: { requests: { cpu: '50m', memory: '64Mi' } },
              securityContext: { runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: meta,
      spec: { type: 'ClusterIP', selector: { app: INGRESS_NAME }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
  ] as KubernetesObject[];
}
