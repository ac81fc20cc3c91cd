import { Args, Flags } from '@oclif/core';
import { API_VERSION, clusterConfig, parseDuration } from '@iwp/core';
import { BaseCommand, clusterFlags } from '@iwp/core/cli';
import { Knative } from '../client.js';
import { namespaceFlag } from '../cli/flags.js';
import { waitGone } from '../wait.js';

export default class Delete extends BaseCommand<typeof Delete> {
  static override description = 'delete a Knative Service (fine when it is already gone); --wait until it is gone';
  static override examples = ['<%= config.bin %> delete hello', '<%= config.bin %> delete hello --wait'];
  static override args = { name: Args.string({ required: true, description: 'service name' }) };
  static override flags = {
    ...clusterFlags,
    ...namespaceFlag,
    wait: Flags.boolean({ description: 'wait until the service is gone', default: false }),
    'wait-timeout': Flags.string({ description: 'how long to wait', default: '600s' }),
  };

  protected async execute() {
    const ns = this.flags.namespace ?? 'default';
    const timeoutMs = parseDuration(this.flags['wait-timeout'], '--wait-timeout');
    const kn = new Knative(await clusterConfig(this.flags));
    const deleted = await kn.deleteService(ns, this.args.name);
    if (deleted && this.flags.wait) await waitGone(kn, ns, this.args.name, timeoutMs);
    return { apiVersion: API_VERSION, kind: 'KnativeServiceDeletion', name: this.args.name, namespace: ns, deleted };
  }
}
