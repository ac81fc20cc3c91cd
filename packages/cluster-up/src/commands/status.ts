import { Args } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { statusLocal } from '../local/provider.js';
import { stateDirFlag } from '../flags.js';

export default class Status extends BaseCommand<typeof Status> {
  static override description = "print a running cluster's Cluster document (exit 4 when there is no such cluster)";
  static override examples = ['<%= config.bin %> status dev', '<%= config.bin %> status dev | knative-deploy install'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = { ...stateDirFlag };

  protected async execute() {
    return statusLocal(this.args.name, this.flags['state-dir']);
  }
}
