import type { CoreV1Api, RbacAuthorizationV1Api, V1Endpoints } from '@kubernetes/client-node';
import type { NetPlan, NodeNet } from './netplan.js';

/**
 * The API objects that make a local cluster with real nodes whole: cluster DNS (the kube-dns
 * Service in front of CoreDNS on the first node, and CoreDNS's read-only role) and the
 * `kubernetes` Service's endpoint, which pods use to reach the API server (carried into the
 * node on the same port). The API server runs with `--endpoint-reconciler-type=none`, as it
 * advertises loopback, so both endpoints are written here; the EndpointSlice mirroring
 * controller turns them into the slices kube-proxy reads.
 */
export async function createClusterAddons(core: CoreV1Api, rbac: RbacAuthorizationV1Api, plan: NetPlan, first: NodeNet, apiPort: number): Promise<void> {
  await rbac.createClusterRole({
    body: {
      metadata: { name: 'system:coredns' },
      rules: [
        { apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
      ],
    },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'system:coredns' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:coredns' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:coredns' }],
    },
  });
  const dnsPorts = [
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'dns-tcp', port: 53, protocol: 'TCP' },
  ];
  await core.createNamespacedService({
    namespace: 'kube-system',
    body: {
      metadata: { name: 'kube-dns', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' } },
      spec: { clusterIP: plan.dnsIp, ports: dnsPorts.map((p) => ({ ...p, targetPort: 53 })) },
    },
  });
  await core.createNamespacedEndpoints({ namespace: 'kube-system', body: endpoints('kube-dns', first, dnsPorts) });
  const api: V1Endpoints = endpoints('kubernetes', first, [{ name: 'https', port: apiPort, protocol: 'TCP' }]);
  await core.replaceNamespacedEndpoints({ name: 'kubernetes', namespace: 'default', body: api }).catch(async () => {
    await core.createNamespacedEndpoints({ namespace: 'default', body: api });
  });
}

function endpoints(name: string, node: NodeNet, ports: { name: string; port: number; protocol: string }[]): V1Endpoints {
  return {
    metadata: { name },
    subsets: [{ addresses: [{ ip: node.ip, nodeName: node.name }], ports }],
  };
}
