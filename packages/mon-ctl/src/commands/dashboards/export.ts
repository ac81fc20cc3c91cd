import { join } from 'node:path';
import { Args } from '@oclif/core';
import { API_VERSION, writeFileAtomic } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { allDashboards } from '../../dashboards/index.js';

export default class DashboardsExport extends BaseCommand<typeof DashboardsExport> {
  static override description = 'write every dashboard as Grafana JSON into DIR (<uid>.json), for import or provisioning';
  static override args = { dir: Args.string({ required: true, description: 'directory (created if missing)' }) };

  protected async execute() {
    const files: string[] = [];
    for (const d of allDashboards()) {
      const file = join(this.args.dir, `${d.uid}.json`);
      await writeFileAtomic(file, `${JSON.stringify(d, null, 2)}\n`);
      files.push(file);
    }
    return { apiVersion: API_VERSION, kind: 'DashboardExport', dir: this.args.dir, files };
  }
}
