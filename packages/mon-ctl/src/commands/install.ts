import { Flags } from '@oclif/core';
import { clusterConfig, readDocument } from '@iwp/core';
import { BaseCommand, clusterFlags, inputFlag } from '@iwp/core/cli';
import { parseWith } from '../components.js';
import { namespaceFlag, withFlag } from '../cli/flags.js';
import { installStack } from '../install.js';
import { checkNamespace, stackObjects } from '../manifests.js';

export default class Install extends BaseCommand<typeof Install> {
  static override description = 'apply the stack server-side and wait for it to roll out (reads a Cluster document on stdin)';
  static override examples = ['cluster-up create -f nix/environments/local.nix | <%= config.bin %> install --with kube-state-metrics'];
  static override flags = {
    ...inputFlag,
    ...clusterFlags,
    ...namespaceFlag,
    ...withFlag,
    wait: Flags.boolean({ description: 'wait for the rollout', default: true, allowNo: true }),
    timeout: Flags.integer({ description: 'seconds to wait for the rollout', default: 300, min: 1 }),
  };

  protected async execute() {
    const f = this.flags;
    const ns = checkNamespace(f.namespace);
    const objects = stackObjects(ns, parseWith(f.with));
    const cluster = await readDocument({ accept: ['Cluster'], inputFile: f.input });
    const kc = await clusterConfig(f, cluster);
    return installStack(kc, ns, objects, { timeoutMs: f.timeout * 1000, wait: f.wait, log: (m) => this.logger.info(m) });
  }
}
