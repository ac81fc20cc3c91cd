import { Args } from '@oclif/core';
import { envRegion } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { clusterStateDir, clusterStatus } from '../cluster.js';
import { ec2Flags, providerContext, providerFlag, stateDirFlag } from '../cli/flags.js';

export default class Status extends BaseCommand<typeof Status> {
  static override description = "print a cluster's Cluster document as its provider sees it now (exit 4 when there is no such cluster)";
  static override examples = ['<%= config.bin %> status dev', '<%= config.bin %> status dev | knative-deploy install', '<%= config.bin %> status dev --provider ec2'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = { ...stateDirFlag, ...providerFlag, region: ec2Flags.region };

  protected async execute() {
    const f = this.flags;
    const region = { ...(f.region ? { region: f.region } : {}), ...(envRegion() ? { defaultRegion: envRegion() } : {}) };
    return clusterStatus(f.provider, { name: this.args.name, stateDir: clusterStateDir(this.args.name, f['state-dir']), ...region }, providerContext(this.logger));
  }
}
