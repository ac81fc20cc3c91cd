import { Args, Flags } from '@oclif/core';
import { BaseCommand, clusterConfig, clusterFlags, kubeClientNode } from '@iwp/core';
import { getService, toDocument } from '../service.js';

export default class Describe extends BaseCommand<typeof Describe> {
  static override description = "print a Knative Service's KnativeService document (exit 4 when absent)";
  static override examples = ['<%= config.bin %> describe hello --namespace default'];
  static override args = { name: Args.string({ required: true, description: 'service name' }) };
  static override flags = { ...clusterFlags, namespace: Flags.string({ description: 'namespace', default: 'default' }) };

  protected async execute() {
    const kc = await clusterConfig(this.flags);
    return toDocument(await getService(kc.makeApiClient(kubeClientNode().CustomObjectsApi), this.flags.namespace, this.args.name));
  }
}
