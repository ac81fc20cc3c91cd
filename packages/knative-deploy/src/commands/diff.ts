import { clusterConfig, list, renderChanges, runProcess, type KnativeServiceDiff } from '@iwp/core';
import { BaseCommand, clusterFlags, inputFlag } from '@iwp/core/cli';
import { diffServices, validateRequests } from '../apply.js';
import { Knative } from '../client.js';
import { requestsFromFlags, serviceFlags } from '../cli/flags.js';

export default class Diff extends BaseCommand<typeof Diff> {
  static override description = 'show what apply would change (a server-side dry-run apply); nothing is written';
  static override examples = ['<%= config.bin %> diff --name hello --image 127.0.0.1:5000/hello@sha256:… --scale-max 5', '<%= config.bin %> diff -f nix/services/hello.nix'];
  static override flags = { ...inputFlag, ...clusterFlags, ...serviceFlags };

  protected async execute() {
    const reqs = await requestsFromFlags(this.flags, runProcess);
    validateRequests(reqs);
    const diffs = await diffServices(new Knative(await clusterConfig(this.flags)), reqs);
    return diffs.length === 1 ? diffs[0] : list('KnativeServiceDiff', diffs);
  }

  protected override renderText(result: unknown): string {
    const r = result as { items?: KnativeServiceDiff[] } & KnativeServiceDiff;
    return (r.items ?? [r]).map((d) => {
      const head = !d.exists ? `${d.namespace}/${d.name}: new service` : d.changes.length === 0 ? `${d.namespace}/${d.name}: no changes` : `${d.namespace}/${d.name}: ${d.changes.length} change(s)${d.newRevision ? ', a new revision' : ''}`;
      return [head, ...(d.exists ? renderChanges(d.changes) : [])].join('\n');
    }).join('\n');
  }
}
