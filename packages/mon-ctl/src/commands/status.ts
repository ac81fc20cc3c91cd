import { API_VERSION, clusterConfig, readDocument, type MonitoringStack } from '@iwp/core';
import { BaseCommand, clusterFlags, inputFlag } from '@iwp/core/cli';
import { Flags } from '@oclif/core';
import { namespaceFlag } from '../cli/flags.js';
import { stackDocument } from '../install.js';
import { checkNamespace } from '../manifests.js';
import { PrometheusClient, type Target } from '../prom-api.js';
import { rollouts } from '../status.js';

export default class Status extends BaseCommand<typeof Status> {
  static override description = "the stack's rollout, and with --prometheus-url its scrape targets up and down";
  static override flags = {
    ...inputFlag,
    ...clusterFlags,
    ...namespaceFlag,
    'prometheus-url': Flags.string({ description: 'also list the scrape targets of this Prometheus', env: 'IWP_PROMETHEUS_URL' }),
    'targets-only': Flags.boolean({ description: 'only the scrape targets (no cluster needed)' }),
  };

  protected async execute() {
    const f = this.flags;
    const ns = checkNamespace(f.namespace);
    const result: MonitoringStack & { targets?: Target[]; targetsUp?: number; targetsDown?: number } = { apiVersion: API_VERSION, kind: 'MonitoringStack', namespace: ns, components: [] };
    if (!f['targets-only']) {
      const cluster = await readDocument({ accept: ['Cluster'], inputFile: f.input });
      Object.assign(result, stackDocument(ns, await rollouts(await clusterConfig(f, cluster), ns)));
    }
    if (f['prometheus-url']) {
      const targets = await new PrometheusClient(f['prometheus-url']).targets();
      result.targets = targets;
      result.targetsUp = targets.filter((t) => t.health === 'up').length;
      result.targetsDown = targets.filter((t) => t.health !== 'up').length;
    }
    return result;
  }
}
