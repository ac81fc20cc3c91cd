import { rm } from 'node:fs/promises';
import { Args, Flags } from '@oclif/core';
import { API_VERSION, badInput, runProcess } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { ec2Client } from '../ec2/client.js';
import { teardown } from '../ec2/teardown.js';
import { deleteLocal, localStateDir } from '../local/provider.js';
import { ec2Flags, stateDirFlag } from '../flags.js';
import { recordCluster, stateFlag } from '../record.js';

export default class Delete extends BaseCommand<typeof Delete> {
  static override description = 'delete a cluster: stop its processes and remove its state (idempotent)';
  static override examples = ['<%= config.bin %> delete dev'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = {
    ...stateDirFlag,
    provider: Flags.option({ options: ['local', 'ec2'] as const, default: 'local' as const, description: 'where the cluster runs' })(),
    region: ec2Flags.region,
    ...stateFlag,
  };

  protected async execute() {
    if (this.flags.provider === 'ec2') {
      const region = this.flags.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
      if (!region) throw badInput('--region', 'the AWS region of the cluster (or AWS_REGION)');
      const r = await teardown(ec2Client(region), this.args.name, (m) => this.logger.info(m));
      await rm(localStateDir(this.args.name, this.flags['state-dir']), { recursive: true, force: true });
      if (this.flags.state) await recordCluster(this.flags.state, this.args.name, { deleted: true, deletedAt: new Date().toISOString(), provider: 'ec2', region });
      return { apiVersion: API_VERSION, kind: 'ClusterDeletion', provider: 'ec2', name: this.args.name, region, ...r };
    }
    const r = await deleteLocal(this.args.name, this.flags['state-dir'], runProcess);
    if (this.flags.state) await recordCluster(this.flags.state, this.args.name, { deleted: true, deletedAt: new Date().toISOString(), provider: 'local' });
    return { apiVersion: API_VERSION, kind: 'ClusterDeletion', provider: 'local', ...r };
  }
}
