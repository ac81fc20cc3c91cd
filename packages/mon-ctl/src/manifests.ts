import { badInput } from '@iwp/core';
import type { Optional } from './components.js';
import { allDashboards } from './dashboards/index.js';
import { kubeStateMetricsObjects, nodeExporterObjects } from './exporters.js';
import { grafanaObjects } from './grafana.js';
import { meta, type Obj } from './k8s.js';
import { prometheusObjects } from './prometheus.js';

export function checkNamespace(ns: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) throw badInput('--namespace', 'a DNS label (lowercase letters, digits, -)', ns);
  return ns;
}

/** Every object of the monitoring stack, in the order they are applied. */
export function stackObjects(ns: string, withs: Optional[] = []): Obj[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns, undefined, 'monitoring') },
    ...prometheusObjects(ns),
    ...grafanaObjects(ns, allDashboards()),
    ...(withs.includes('kube-state-metrics') ? kubeStateMetricsObjects(ns) : []),
    ...(withs.includes('node-exporter') ? nodeExporterObjects(ns) : []),
  ];
}
