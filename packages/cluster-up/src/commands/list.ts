import { API_VERSION, list, renderTable } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { listClusters } from '../list.js';

export default class List extends BaseCommand<typeof List> {
  static override description = 'the clusters made from this machine (local ones running or not, EC2 ones by their record)';

  protected async execute() {
    return list('ClusterEntry', (await listClusters()).map((c) => ({ apiVersion: API_VERSION, kind: 'ClusterEntry', ...c })));
  }

  protected override renderText(result: unknown): string {
    const items = (result as { items: Array<Record<string, unknown>> }).items;
    return items.length ? renderTable(items, ['name', 'provider', 'running', 'region', 'kubeconfig']) : 'no clusters';
  }
}
