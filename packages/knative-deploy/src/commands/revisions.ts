import { Args } from '@oclif/core';
import { clusterConfig, list, type KnativeRevision } from '@iwp/core';
import { BaseCommand, clusterFlags } from '@iwp/core/cli';
import { Knative } from '../client.js';
import { revisionDocument } from '../document.js';
import { namespaceFlag } from '../cli/flags.js';

export default class Revisions extends BaseCommand<typeof Revisions> {
  static override description = "list a service's revisions, oldest first, with their share of traffic and tags";
  static override examples = ['<%= config.bin %> revisions hello'];
  static override args = { name: Args.string({ required: true, description: 'service name' }) };
  static override flags = { ...clusterFlags, ...namespaceFlag };

  protected async execute() {
    const ns = this.flags.namespace ?? 'default';
    const kn = new Knative(await clusterConfig(this.flags));
    const [svc, revs] = await Promise.all([kn.getService(ns, this.args.name), kn.listRevisions(ns, this.args.name)]);
    return list('KnativeRevision', revs.map((r) => revisionDocument(r, svc)));
  }

  protected override renderText(result: unknown): string {
    const items = (result as { items: KnativeRevision[] }).items;
    return ['NAME\tGENERATION\tTRAFFIC\tTAGS\tREADY\tREPLICAS', ...items.map((r) => `${r.name}\t${r.generation}\t${r.percent}%\t${r.tags.join(',') || '-'}\t${r.ready}\t${r.actualReplicas ?? '-'}`)].join('\n');
  }
}
