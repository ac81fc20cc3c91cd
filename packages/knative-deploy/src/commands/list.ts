import { Flags } from '@oclif/core';
import { clusterConfig, list, type KnativeService } from '@iwp/core';
import { BaseCommand, clusterFlags } from '@iwp/core/cli';
import { Knative } from '../client.js';
import { serviceDocument } from '../document.js';
import { namespaceFlag } from '../cli/flags.js';

export default class List extends BaseCommand<typeof List> {
  static override description = 'list Knative Services with their URL and readiness';
  static override examples = ['<%= config.bin %> list -n default', '<%= config.bin %> list --all-namespaces'];
  static override flags = {
    ...clusterFlags,
    ...namespaceFlag,
    'all-namespaces': Flags.boolean({ char: 'A', description: 'services of every namespace' }),
    selector: Flags.string({ description: 'label selector, e.g. app.kubernetes.io/managed-by=iwp' }),
  };

  protected async execute() {
    const kn = new Knative(await clusterConfig(this.flags));
    const items = await kn.listServices(this.flags['all-namespaces'] ? undefined : this.flags.namespace ?? 'default', this.flags.selector);
    return list('KnativeService', items.map(serviceDocument));
  }

  protected override renderText(result: unknown): string {
    const items = (result as { items: KnativeService[] }).items;
    if (!items.length) return 'no services';
    return ['NAMESPACE\tNAME\tURL\tREADY\tLATEST', ...items.map((s) => `${s.namespace}\t${s.name}\t${s.url ?? '-'}\t${s.ready}\t${s.latestReadyRevision ?? '-'}`)].join('\n');
  }
}
