import { Flags } from '@oclif/core';

export const namespaceFlag = { namespace: Flags.string({ char: 'n', description: 'namespace of the stack', default: 'monitoring' }) };
export const withFlag = {
  with: Flags.string({ description: 'optional components: kube-state-metrics, node-exporter (comma-separated or repeated)', multiple: true }),
};
export const prometheusUrlFlag = {
  'prometheus-url': Flags.string({ description: 'a Prometheus to query', env: 'IWP_PROMETHEUS_URL', default: 'http://127.0.0.1:9090' }),
};
