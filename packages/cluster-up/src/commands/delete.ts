import { Args } from '@oclif/core';
import { API_VERSION, BaseCommand } from '@iwp/core';
import { deleteLocal } from '../local/provider.js';
import { stateDirFlag } from '../flags.js';

export default class Delete extends BaseCommand<typeof Delete> {
  static override description = 'delete a cluster: stop its processes and remove its state (idempotent)';
  static override examples = ['<%= config.bin %> delete dev'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = { ...stateDirFlag };

  protected async execute() {
    const r = await deleteLocal(this.args.name, this.flags['state-dir']);
    return { apiVersion: API_VERSION, kind: 'ClusterDeletion', provider: 'local', ...r };
  }
}
