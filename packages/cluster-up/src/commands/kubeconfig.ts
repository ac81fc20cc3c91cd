import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { stringify } from 'yaml';
import { API_VERSION, kubeClientNode, notFound, writeFileAtomic } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { localStateDir } from '../local/provider.js';
import { stateDirFlag } from '../flags.js';

export default class Kubeconfig extends BaseCommand<typeof Kubeconfig> {
  static override description = "print the path of a cluster's kubeconfig, or merge it into $KUBECONFIG (~/.kube/config) with --merge";
  static override examples = ['export KUBECONFIG=$(<%= config.bin %> kubeconfig dev --quiet | jq -r .kubeconfig)', '<%= config.bin %> kubeconfig dev --merge'];
  static override args = { name: Args.string({ required: true, description: 'cluster name' }) };
  static override flags = {
    ...stateDirFlag,
    merge: Flags.boolean({ description: 'merge into the first file of $KUBECONFIG, else ~/.kube/config, and switch to its context' }),
  };

  protected async execute() {
    const file = join(localStateDir(this.args.name, this.flags['state-dir']), 'kubeconfig');
    const text = await readFile(file, 'utf8').catch(() => {
      throw notFound(`kubeconfig of cluster ${this.args.name} (${file})`);
    });
    if (!this.flags.merge) return { apiVersion: API_VERSION, kind: 'Kubeconfig', name: this.args.name, kubeconfig: file };
    const k8s = kubeClientNode();
    const target = (process.env.KUBECONFIG ?? '').split(':').find(Boolean) ?? join(homedir(), '.kube', 'config');
    const kc = new k8s.KubeConfig();
    const existing = await readFile(target, 'utf8').catch(() => undefined);
    if (existing) kc.loadFromString(existing);
    const add = new k8s.KubeConfig();
    add.loadFromString(text);
    // replace entries of the same names, keep everything else
    kc.clusters = [...kc.clusters.filter((c) => !add.clusters.some((a) => a.name === c.name)), ...add.clusters];
    kc.users = [...kc.users.filter((u) => !add.users.some((a) => a.name === u.name)), ...add.users];
    kc.contexts = [...kc.contexts.filter((c) => !add.contexts.some((a) => a.name === c.name)), ...add.contexts];
    kc.setCurrentContext(add.getCurrentContext());
    await writeFileAtomic(target, stringify(JSON.parse(kc.exportConfig())), { mode: 0o600 });
    return { apiVersion: API_VERSION, kind: 'Kubeconfig', name: this.args.name, kubeconfig: target, context: add.getCurrentContext(), merged: true };
  }
}
