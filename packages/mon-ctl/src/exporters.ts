import { IMAGES } from './components.js';
import { deployment, meta, PART_OF, selector, service, type Obj } from './k8s.js';

/** kube-state-metrics: object state (deployments, pods, HPAs) as metrics, read-only RBAC. */
export function kubeStateMetricsObjects(ns: string): Obj[] {
  const name = 'kube-state-metrics';
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name, ns, name) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(`iwp-${name}-${ns}`, undefined, name),
      rules: [
        { apiGroups: [''], resources: ['nodes', 'pods', 'services', 'endpoints', 'namespaces', 'configmaps', 'secrets', 'persistentvolumeclaims', 'resourcequotas', 'replicationcontrollers'], verbs: ['list', 'watch'] },
        { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], verbs: ['list', 'watch'] },
        { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'watch'] },
        { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(`iwp-${name}-${ns}`, undefined, name),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `iwp-${name}-${ns}` },
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    },
    deployment(ns, name, {
      serviceAccountName: name,
      securityContext: { runAsUser: 65534, runAsNonRoot: true },
      containers: [
        {
          name,
          image: IMAGES.kubeStateMetrics,
          ports: [{ name: 'http', containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/', port: 8081 } },
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
        },
      ],
    }),
    service(ns, name, 8080),
  ];
}

/** node-exporter on every node (host network and /proc, /sys read-only). */
export function nodeExporterObjects(ns: string): Obj[] {
  const name = 'node-exporter';
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: meta(name, ns, name),
      spec: {
        selector: { matchLabels: selector(name) },
        template: {
          metadata: { labels: { ...PART_OF, ...selector(name) }, annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9100' } },
          spec: {
            hostNetwork: true,
            hostPID: true,
            securityContext: { runAsUser: 65534, runAsNonRoot: true },
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name,
                image: IMAGES.nodeExporter,
                args: ['--path.procfs=/host/proc', '--path.sysfs=/host/sys', '--web.listen-address=:9100'],
                ports: [{ name: 'http', containerPort: 9100 }],
                resources: { requests: { cpu: '50m', memory: '32Mi' }, limits: { memory: '128Mi' } },
                volumeMounts: [
                  { name: 'proc', mountPath: '/host/proc', readOnly: true },
                  { name: 'sys', mountPath: '/host/sys', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'proc', hostPath: { path: '/proc' } },
              { name: 'sys', hostPath: { path: '/sys' } },
            ],
          },
        },
      },
    },
  ];
}
