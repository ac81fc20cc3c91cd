import { badInput } from '@iwp/core';

/** What `--with` may add to the always-installed Prometheus and Grafana. */
export const OPTIONAL = ['kube-state-metrics', 'node-exporter'] as const;
export type Optional = (typeof OPTIONAL)[number];

export function parseWith(list: string[] | undefined): Optional[] {
  const items = (list ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  for (const i of items) {
    if (!(OPTIONAL as readonly string[]).includes(i)) throw badInput('--with', `components among ${OPTIONAL.join(', ')}`, i);
  }
  return [...new Set(items)] as Optional[];
}

/** Pinned upstream images (the versions the dashboards and scrape jobs were written for). */
export const IMAGES = {
  prometheus: 'quay.io/prometheus/prometheus:v2.42.0',
  grafana: 'docker.io/grafana/grafana:10.4.2',
  kubeStateMetrics: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.10.1',
  nodeExporter: 'quay.io/prometheus/node-exporter:v1.7.0',
} as const;
