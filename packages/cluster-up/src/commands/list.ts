import { API_VERSION, list, renderTable } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { listClusters } from '../cluster.js';
import { providerContext } from '../cli/flags.js';

export default class List extends BaseCommand<typeof List> {
  static override description = 'the clusters made from this machine, each as its provider sees it now (processes, kind, EC2 instance states)';

  protected async execute() {
    return list('ClusterEntry', (await listClusters(providerContext(this.logger))).map((c) => ({ apiVersion: API_VERSION, kind: 'ClusterEntry', ...c })));
  }

  protected override renderText(result: unknown): string {
    const items = (result as { items: Array<Record<string, unknown>> }).items;
    return items.length ? renderTable(items, ['name', 'provider', 'running', 'region', 'kubeconfig']) : 'no clusters';
  }
}
