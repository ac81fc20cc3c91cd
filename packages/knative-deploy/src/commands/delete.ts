import { Args, Flags } from '@oclif/core';
import { API_VERSION, BaseCommand, clusterConfig, clusterFlags, kubeClientNode } from '@iwp/core';
import { GROUP, VERSION } from '../service.js';

export default class Delete extends BaseCommand<typeof Delete> {
  static override description = 'delete a Knative Service (fine when it is already gone)';
  static override examples = ['<%= config.bin %> delete hello'];
  static override args = { name: Args.string({ required: true, description: 'service name' }) };
  static override flags = { ...clusterFlags, namespace: Flags.string({ description: 'namespace', default: 'default' }) };

  protected async execute() {
    const kc = await clusterConfig(this.flags);
    const api = kc.makeApiClient(kubeClientNode().CustomObjectsApi);
    let deleted = true;
    try {
      await api.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: this.flags.namespace, plural: 'services', name: this.args.name });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
      deleted = false;
    }
    return { apiVersion: API_VERSION, kind: 'KnativeServiceDeletion', name: this.args.name, namespace: this.flags.namespace, deleted };
  }
}
