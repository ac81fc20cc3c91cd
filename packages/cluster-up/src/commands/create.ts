import { Flags } from '@oclif/core';
import { BaseCommand, badInput, runProcess } from '@iwp/core';
import { resolveBinDir } from '../bins.js';
import { createLocal } from '../local/provider.js';
import type { NodeRequest } from '../local/nodes.js';
import { stateDirFlag } from '../flags.js';

export default class Create extends BaseCommand<typeof Create> {
  static override description = 'create a Kubernetes cluster and print its Cluster document';
  static override examples = [
    '<%= config.bin %> create --provider local --name dev --nodes 2',
    '<%= config.bin %> create --provider local --name dev | knative-deploy install',
  ];
  static override flags = {
    provider: Flags.option({ options: ['local'] as const, default: 'local' as const, description: 'where the cluster runs' })(),
    name: Flags.string({ char: 'n', description: 'cluster name', required: true }),
    nodes: Flags.integer({ default: 1, description: 'number of (simulated) worker nodes' }),
    'bin-dir': Flags.string({ description: 'directory with etcd, kube-apiserver, ... [default: $IWP_K8S_BIN or scripts/k8s/build]', helpValue: 'DIR' }),
    'kubernetes-version': Flags.string({ description: 'Kubernetes release to build when no --bin-dir is given', default: 'v1.34.4' }),
    timeout: Flags.integer({ default: 180, description: 'seconds to wait for the API, nodes and service accounts' }),
    ...stateDirFlag,
  };

  protected async execute() {
    const f = this.flags;
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(f.name)) throw badInput('--name', 'a DNS label (a-z, 0-9, -)', f.name);
    if (f.nodes < 1 || f.nodes > 100) throw badInput('--nodes', '1..100', f.nodes);
    const binDir = await resolveBinDir(runProcess, f['bin-dir'], f['kubernetes-version']);
    const nodes: NodeRequest[] = Array.from({ length: f.nodes }, (_, i) => ({ name: `${f.name}-worker-${i + 1}`, role: 'worker' }));
    return createLocal({
      name: f.name, nodes, binDir, stateDir: f['state-dir'], run: runProcess, logger: this.logger, timeoutMs: f.timeout * 1000,
    });
  }
}
