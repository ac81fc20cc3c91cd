import { Args } from '@oclif/core';
import { clusterConfig, list, parseDuration } from '@iwp/core';
import { BaseCommand, clusterFlags } from '@iwp/core/cli';
import { Knative } from '../client.js';
import { serviceDocument } from '../document.js';
import { namespaceFlag, waitCommandFlags } from '../cli/flags.js';
import { waitReady } from '../wait.js';

export default class Wait extends BaseCommand<typeof Wait> {
  static override description = 'wait until services are Ready for their current generation (exit 1 on failure, 5 on timeout)';
  static override strict = false;
  static override examples = ['<%= config.bin %> wait hello --timeout 120s', '<%= config.bin %> wait hello world -n apps'];
  static override args = { name: Args.string({ required: true, description: 'service name (more may follow)' }) };
  static override flags = {
    ...clusterFlags,
    ...namespaceFlag,
    ...waitCommandFlags,
  };

  protected async execute() {
    const ns = this.flags.namespace ?? 'default';
    const kn = new Knative(await clusterConfig(this.flags));
    const names = this.positional.length ? this.positional : [this.args.name];
    const ready = await waitReady(kn, names.map((name) => ({ namespace: ns, name })), {
      timeoutMs: parseDuration(this.flags.timeout, '--timeout'),
      errorWindowMs: parseDuration(this.flags['wait-window'], '--wait-window'),
    });
    const docs = ready.map(serviceDocument);
    return docs.length === 1 ? docs[0] : list('KnativeService', docs);
  }
}

