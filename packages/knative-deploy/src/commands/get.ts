import { Args } from '@oclif/core';
import { clusterConfig } from '@iwp/core';
import { BaseCommand, clusterFlags } from '@iwp/core/cli';
import { Knative } from '../client.js';
import { serviceDocument } from '../document.js';
import { namespaceFlag, outputFlag, urlLines } from '../cli/flags.js';

export default class Get extends BaseCommand<typeof Get> {
  static override description = "print a Knative Service's KnativeService document (exit 4 when absent)";
  static override aliases = ['describe'];
  static override examples = ['<%= config.bin %> get hello -n default', '<%= config.bin %> get hello -o url'];
  static override args = { name: Args.string({ required: true, description: 'service name' }) };
  static override flags = { ...clusterFlags, ...namespaceFlag, ...outputFlag };

  protected async execute() {
    const kn = new Knative(await clusterConfig(this.flags));
    return serviceDocument(await kn.getService(this.flags.namespace ?? 'default', this.args.name));
  }

  protected override print(result: unknown): void {
    if (this.flags.output === 'url') process.stdout.write(urlLines(result));
    else super.print(result, this.flags.output === 'json');
  }

  protected override renderText(result: unknown): string {
    const s = result as { name: string; url?: string; ready: boolean; reason?: string; latestReadyRevision?: string };
    return `${s.name}\t${s.url ?? '-'}\t${s.ready ? 'Ready' : `not Ready${s.reason ? ` (${s.reason})` : ''}`}\t${s.latestReadyRevision ?? '-'}`;
  }
}
