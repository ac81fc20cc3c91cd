import { Args } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { deleteCluster } from '../cluster.js';
import { clusterRef, clusterRefFlags, providerContext } from '../cli/flags.js';

export default class Delete extends BaseCommand<typeof Delete> {
  static override description = 'delete a cluster and everything it made; prints ClusterDeletion (idempotent)';
  static override examples = ['<%= config.bin %> delete dev', '<%= config.bin %> delete dev --provider ec2 --region eu-west-1'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = clusterRefFlags;

  protected async execute() {
    return deleteCluster(this.flags.provider, clusterRef(this.args.name, this.flags), providerContext(this.logger));
  }
}
