import { stringify } from 'yaml';
import { IMAGES } from './components.js';
import { configMap, deployment, meta, service, type Obj } from './k8s.js';

export interface PromConfigOptions {
  /**
   * Prometheus outside the cluster: discover through this kubeconfig file instead of the
   * in-cluster service account (kubelet and cAdvisor jobs need the in-cluster proxy and are left out).
   */
  kubeconfig?: string;
  /** extra `host:port[/path]` endpoints scraped as job `iwp` (tools' /metrics) */
  staticTargets?: string[];
  scrapeInterval?: string;
}

const SA = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Scrape jobs for pods of one Knative component, on its named metrics port. */
function knativeJob(job: string, namespaces: string[] | undefined, keep: Array<[string, string]>) {
  return {
    job_name: job,
    kubernetes_sd_configs: [{ role: 'pod', ...(namespaces ? { namespaces: { names: namespaces } } : {}) }],
    relabel_configs: [
      ...keep.map(([label, regex]) => ({ source_labels: [label], action: 'keep', regex })),
      { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
      { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      { source_labels: ['__meta_kubernetes_pod_label_serving_knative_dev_service'], target_label: 'service' },
      { source_labels: ['__meta_kubernetes_pod_label_serving_knative_dev_revision'], target_label: 'revision' },
    ],
  };
}

/** prometheus.yml as an object: what the ConfigMap holds, and what `mon-ctl config` prints. */
export function prometheusConfig(opts: PromConfigOptions = {}): Record<string, unknown> {
  const sd = (role: string) => ({ role, ...(opts.kubeconfig ? { kubeconfig_file: opts.kubeconfig } : {}) });
  const withSd = (job: Record<string, unknown>) => ({
    ...job,
    kubernetes_sd_configs: (job.kubernetes_sd_configs as Array<Record<string, unknown>>).map((c) => ({ ...c, ...sd(String(c.role)) })),
  });
  const kubeletJob = (job: string, path: string) => ({
    job_name: job,
    scheme: 'https',
    tls_config: { ca_file: `${SA}/ca.crt` },
    bearer_token_file: `${SA}/token`,
    kubernetes_sd_configs: [{ role: 'node' }],
    relabel_configs: [
      { action: 'labelmap', regex: '__meta_kubernetes_node_label_(.+)' },
      { target_label: '__address__', replacement: 'kubernetes.default.svc:443' },
      { source_labels: ['__meta_kubernetes_node_name'], regex: '(.+)', target_label: '__metrics_path__', replacement: `/api/v1/nodes/$1/proxy${path}` },
    ],
  });
  const jobs: Array<Record<string, unknown>> = [
    { job_name: 'prometheus', static_configs: [{ targets: ['localhost:9090'] }] },
    ...(opts.kubeconfig ? [] : [kubeletJob('kubelet', '/metrics'), kubeletJob('cadvisor', '/metrics/cadvisor')]),
    withSd(knativeJob('knative-autoscaler', ['knative-serving'], [['__meta_kubernetes_pod_label_app', 'autoscaler'], ['__meta_kubernetes_pod_container_port_name', 'metrics']])),
    withSd(knativeJob('knative-activator', ['knative-serving'], [['__meta_kubernetes_pod_label_app', 'activator'], ['__meta_kubernetes_pod_container_port_name', 'metrics']])),
    withSd(knativeJob('knative-revisions', undefined, [['__meta_kubernetes_pod_container_name', 'queue-proxy'], ['__meta_kubernetes_pod_container_port_name', 'http-usermetric']])),
    withSd({
      job_name: 'annotated-pods',
      kubernetes_sd_configs: [{ role: 'pod' }],
      relabel_configs: [
        { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_scrape'], action: 'keep', regex: 'true' },
        { source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_path'], action: 'replace', target_label: '__metrics_path__', regex: '(.+)' },
        {
          source_labels: ['__address__', '__meta_kubernetes_pod_annotation_prometheus_io_port'],
          action: 'replace',
          regex: '([^:]+)(?::\\d+)?;(\\d+)',
          replacement: '$1:$2',
          target_label: '__address__',
        },
        { source_labels: ['__meta_kubernetes_namespace'], target_label: 'namespace' },
        { source_labels: ['__meta_kubernetes_pod_name'], target_label: 'pod' },
      ],
    }),
  ];
  if (opts.staticTargets?.length) {
    const byPath = new Map<string, string[]>();
    for (const t of opts.staticTargets) {
      const u = new URL(/^https?:\/\//.test(t) ? t : `http://${t}`);
      const path = u.pathname === '/' ? '/metrics' : u.pathname;
      byPath.set(path, [...(byPath.get(path) ?? []), u.host]);
    }
    for (const [path, targets] of byPath) {
      jobs.push({ job_name: byPath.size > 1 ? `iwp${path.replace(/\W+/g, '-')}` : 'iwp', metrics_path: path, static_configs: [{ targets }] });
    }
  }
  return {
    global: { scrape_interval: opts.scrapeInterval ?? '15s', evaluation_interval: opts.scrapeInterval ?? '15s' },
    scrape_configs: jobs,
  };
}

export function prometheusYaml(opts: PromConfigOptions = {}): string {
  return stringify(prometheusConfig(opts), { lineWidth: 0 });
}

/** Prometheus in the cluster: RBAC to discover and scrape, its config, a Deployment and a Service. */
export function prometheusObjects(ns: string): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('prometheus', ns, 'prometheus') },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(`iwp-prometheus-${ns}`, undefined, 'prometheus'),
      rules: [
        { apiGroups: [''], resources: ['nodes', 'nodes/proxy', 'nodes/metrics', 'services', 'endpoints', 'pods'], verbs: ['get', 'list', 'watch'] },
        { nonResourceURLs: ['/metrics', '/metrics/cadvisor'], verbs: ['get'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(`iwp-prometheus-${ns}`, undefined, 'prometheus'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `iwp-prometheus-${ns}` },
      subjects: [{ kind: 'ServiceAccount', name: 'prometheus', namespace: ns }],
    },
    configMap(ns, 'prometheus-config', 'prometheus', { 'prometheus.yml': prometheusYaml() }),
    deployment(ns, 'prometheus', {
      serviceAccountName: 'prometheus',
      securityContext: { runAsUser: 65534, runAsNonRoot: true, fsGroup: 65534 },
      containers: [
        {
          name: 'prometheus',
          image: IMAGES.prometheus,
          args: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--storage.tsdb.retention.time=7d', '--web.enable-lifecycle'],
          ports: [{ name: 'http', containerPort: 9090 }],
          readinessProbe: { httpGet: { path: '/-/ready', port: 9090 } },
          resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { memory: '2Gi' } },
          volumeMounts: [
            { name: 'config', mountPath: '/etc/prometheus' },
            { name: 'data', mountPath: '/prometheus' },
          ],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'prometheus-config' } },
        { name: 'data', emptyDir: {} },
      ],
    }),
    service(ns, 'prometheus', 9090),
  ];
}
