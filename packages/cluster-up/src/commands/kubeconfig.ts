import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { API_VERSION, notFound } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { clusterStateDir } from '../cluster.js';
import { mergeKubeconfig } from '../kubeconfig.js';
import { stateDirFlag } from '../cli/flags.js';

export default class Kubeconfig extends BaseCommand<typeof Kubeconfig> {
  static override description = "print the path of a cluster's kubeconfig, or merge it into $KUBECONFIG (~/.kube/config) with --merge";
  static override examples = ['export KUBECONFIG=$(<%= config.bin %> kubeconfig dev --quiet | jq -r .kubeconfig)', '<%= config.bin %> kubeconfig dev --merge'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = {
    ...stateDirFlag,
    merge: Flags.boolean({ description: 'merge into the first file of $KUBECONFIG, else ~/.kube/config, and switch to its context' }),
  };

  protected async execute() {
    const name = this.args.name;
    const file = join(clusterStateDir(name, this.flags['state-dir']), 'kubeconfig');
    if (!this.flags.merge) {
      if (!(await stat(file).catch(() => undefined))) throw notFound(`kubeconfig of cluster ${name} (${file})`);
      return { apiVersion: API_VERSION, kind: 'Kubeconfig', name, kubeconfig: file };
    }
    const target = (process.env.KUBECONFIG ?? '').split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
    const { context } = await mergeKubeconfig(file, target, name);
    return { apiVersion: API_VERSION, kind: 'Kubeconfig', name, kubeconfig: target, context, merged: true };
  }
}
