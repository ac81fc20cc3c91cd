import { Flags } from '@oclif/core';
import { badInput, envRegion, runProcess } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { clusterStateDir, createCluster, providerName } from '../cluster.js';
import { loadDescriptor } from '../descriptor.js';
import { ec2Flags, providerContext, stateDirFlag } from '../cli/flags.js';

export default class Create extends BaseCommand<typeof Create> {
  static override description = 'create a Kubernetes cluster from an environment descriptor (or flags) and print its Cluster document';
  static override examples = [
    '<%= config.bin %> create -f nix/environments/local.nix',
    '<%= config.bin %> create --provider local --name dev --nodes 2',
    '<%= config.bin %> create -f nix/environments/local.nix --dry-run',
    '<%= config.bin %> create -f nix/environments/ec2.nix | remote-state push - --stack cluster-dev',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', description: 'environment descriptor (.nix evaluated by nix-instantiate, or .json)', helpValue: 'ENV' }),
    provider: Flags.option({ options: ['local', 'kind', 'ec2', 'vm'] as const, description: 'where the cluster runs [default: the descriptor\'s, else local]' })(),
    name: Flags.string({ char: 'n', description: 'cluster name (required without -f)' }),
    nodes: Flags.integer({ description: 'number of worker nodes when no descriptor gives them [default: 1]' }),
    runtime: Flags.option({ options: ['containerd', 'kwok'] as const, description: 'local: real nodes (containerd) or simulated ones (kwok) [default: containerd]' })(),
    registry: Flags.string({ description: 'local, kind: registry (host:port) nodes pull from [default: the descriptor\'s; local: else 127.0.0.1:5000]', helpValue: 'HOST:PORT' }),
    'sandbox-image': Flags.string({ description: 'local: pod sandbox image for real nodes [default: nix/images/pause, built and pushed to the registry]', helpValue: 'REF' }),
    'bin-dir': Flags.string({ description: 'local: directory with etcd, kube-apiserver, ... [default: $IWP_K8S_BIN or scripts/k8s/build]', helpValue: 'DIR' }),
    timeout: Flags.integer({ default: 180, description: 'seconds to wait for the cluster to be ready' }),
    'dry-run': Flags.boolean({ description: 'print the plan (ClusterPlan, every resource create would make), create nothing' }),
    'wait-api': Flags.boolean({ description: 'ec2: fetch the kubeconfig over SSH and wait for the nodes Ready in the API (--no-wait-api: instance state only)', default: true, allowNo: true }),
    ...ec2Flags,
    ...stateDirFlag,
  };

  protected async execute() {
    const f = this.flags;
    const env = f.file ? await loadDescriptor(runProcess, f.file) : undefined;
    const name = f.name ?? env?.name;
    if (!name) throw badInput('--name', 'a cluster name (or -f ENV)');
    return createCluster({
      name, provider: providerName(f.provider ?? env?.provider), stateDir: clusterStateDir(name, f['state-dir']),
      ...(env ? { env } : {}), nodes: f.nodes, runtime: f.runtime, registry: f.registry, sandboxImage: f['sandbox-image'], binDir: f['bin-dir'],
      ami: f.ami, region: f.region, defaultRegion: envRegion(), waitApi: f['wait-api'],
    }, providerContext(this.logger, f.timeout), f['dry-run']);
  }
}
