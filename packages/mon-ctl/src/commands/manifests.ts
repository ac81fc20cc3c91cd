import { Flags } from '@oclif/core';
import { stringify } from 'yaml';
import { BaseCommand } from '@iwp/core/cli';
import { parseWith } from '../components.js';
import { namespaceFlag, withFlag } from '../cli/flags.js';
import { checkNamespace, stackObjects } from '../manifests.js';

export default class Manifests extends BaseCommand<typeof Manifests> {
  static override description = 'print every object of the monitoring stack (a Kubernetes List; --output yaml for people)';
  static override examples = ['<%= config.bin %> manifests --with kube-state-metrics,node-exporter', '<%= config.bin %> manifests --output yaml | less'];
  static override flags = {
    ...namespaceFlag,
    ...withFlag,
    output: Flags.option({ options: ['json', 'yaml'] as const, default: 'json' as const, description: 'output format' })(),
  };

  protected async execute() {
    const items = stackObjects(checkNamespace(this.flags.namespace), parseWith(this.flags.with));
    const list = { apiVersion: 'v1', kind: 'List', items };
    if (this.flags.output === 'yaml') {
      process.stdout.write(items.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
      return undefined;
    }
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return undefined;
  }
}
