import { Args } from '@oclif/core';
import { envRegion } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { clusterStateDir, deleteCluster } from '../cluster.js';
import { ec2Flags, providerContext, providerFlag, stateDirFlag } from '../cli/flags.js';

export default class Delete extends BaseCommand<typeof Delete> {
  static override description = 'delete a cluster and everything it made; prints ClusterDeletion (idempotent)';
  static override examples = ['<%= config.bin %> delete dev', '<%= config.bin %> delete dev --provider ec2 --region eu-west-1'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = { ...stateDirFlag, ...providerFlag, region: ec2Flags.region };

  protected async execute() {
    const f = this.flags;
    const region = { ...(f.region ? { region: f.region } : {}), ...(envRegion() ? { defaultRegion: envRegion() } : {}) };
    return deleteCluster(f.provider, { name: this.args.name, stateDir: clusterStateDir(this.args.name, f['state-dir']), ...region }, providerContext(this.logger));
  }
}
