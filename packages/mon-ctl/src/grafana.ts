import { stringify } from 'yaml';
import { IMAGES } from './components.js';
import type { Dashboard } from './dashboards/index.js';
import { configMap, deployment, meta, service, type Obj } from './k8s.js';

export const ADMIN_SECRET = 'grafana-admin';

/**
 * The admin Secret, without its data: `install` creates it once with a random password
 * (never printed, never overwritten by a later install).
 */
export function adminSecret(ns: string): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta(ADMIN_SECRET, ns, 'grafana', { annotations: { 'iwp.dev/generated': 'password: created by mon-ctl install, never printed' } }),
    type: 'Opaque',
  };
}

/** Grafana with its datasource and dashboards provisioned from ConfigMaps. */
export function grafanaObjects(ns: string, dashboards: Dashboard[]): Obj[] {
  const datasources = {
    apiVersion: 1,
    datasources: [{ name: 'Prometheus', uid: 'prometheus', type: 'prometheus', access: 'proxy', url: `http://prometheus.${ns}.svc:9090`, isDefault: true, editable: false }],
  };
  const providers = {
    apiVersion: 1,
    providers: [{ name: 'iwp', folder: 'iwp', type: 'file', disableDeletion: true, allowUiUpdates: false, options: { path: '/var/lib/grafana/dashboards' } }],
  };
  return [
    adminSecret(ns),
    configMap(ns, 'grafana-datasources', 'grafana', { 'datasources.yaml': stringify(datasources) }),
    configMap(ns, 'grafana-dashboard-providers', 'grafana', { 'dashboards.yaml': stringify(providers) }),
    configMap(ns, 'grafana-dashboards', 'grafana', Object.fromEntries(dashboards.map((d) => [`${d.uid}.json`, `${JSON.stringify(d, null, 2)}\n`]))),
    deployment(ns, 'grafana', {
      securityContext: { runAsUser: 472, runAsNonRoot: true, fsGroup: 472 },
      containers: [
        {
          name: 'grafana',
          image: IMAGES.grafana,
          ports: [{ name: 'http', containerPort: 3000 }],
          env: [
            { name: 'GF_SECURITY_ADMIN_USER', value: 'admin' },
            { name: 'GF_SECURITY_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: ADMIN_SECRET, key: 'password' } } },
            { name: 'GF_AUTH_ANONYMOUS_ENABLED', value: 'false' },
            { name: 'GF_ANALYTICS_REPORTING_ENABLED', value: 'false' },
          ],
          readinessProbe: { httpGet: { path: '/api/health', port: 3000 } },
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
          volumeMounts: [
            { name: 'datasources', mountPath: '/etc/grafana/provisioning/datasources' },
            { name: 'providers', mountPath: '/etc/grafana/provisioning/dashboards' },
            { name: 'dashboards', mountPath: '/var/lib/grafana/dashboards' },
          ],
        },
      ],
      volumes: [
        { name: 'datasources', configMap: { name: 'grafana-datasources' } },
        { name: 'providers', configMap: { name: 'grafana-dashboard-providers' } },
        { name: 'dashboards', configMap: { name: 'grafana-dashboards' } },
      ],
    }),
    service(ns, 'grafana', 3000),
  ];
}
