import { Args } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { clusterStatus } from '../cluster.js';
import { clusterRef, clusterRefFlags, providerContext } from '../cli/flags.js';

export default class Status extends BaseCommand<typeof Status> {
  static override description = "print a cluster's Cluster document as its provider sees it now (exit 4 when there is no such cluster)";
  static override examples = ['<%= config.bin %> status dev', '<%= config.bin %> status dev | knative-deploy install', '<%= config.bin %> status dev --provider ec2'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = clusterRefFlags;

  protected async execute() {
    return clusterStatus(this.flags.provider, clusterRef(this.args.name, this.flags), providerContext(this.logger));
  }
}
