import { Flags } from '@oclif/core';
import { API_VERSION, IwpError, ErrorCode, badInput, runProcess, type Environment } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { resolveBinDir } from '../bins.js';
import { loadDescriptor, localNodes } from '../descriptor.js';
import { createLocal, localStateDir } from '../local/provider.js';
import type { NodeRequest } from '../local/nodes.js';
import { ec2Flags, stateDirFlag } from '../flags.js';
import { recordCluster, stateFlag } from '../record.js';
import { ec2Client } from '../ec2/client.js';
import { ec2Plan } from '../ec2/plan.js';
import { createEc2 } from '../ec2/provider.js';
import { createKind, kindConfig } from '../kind.js';

export default class Create extends BaseCommand<typeof Create> {
  static override description = 'create a Kubernetes cluster from an environment descriptor (or flags) and print its Cluster document';
  static override examples = [
    '<%= config.bin %> create -f nix/environments/local.nix',
    '<%= config.bin %> create --provider local --name dev --nodes 2',
    '<%= config.bin %> create -f nix/environments/local.nix --dry-run',
  ];
  static override flags = {
    file: Flags.string({ char: 'f', description: 'environment descriptor (.nix evaluated by nix-instantiate, or .json)', helpValue: 'ENV' }),
    provider: Flags.option({ options: ['local', 'kind', 'ec2', 'vm'] as const, description: 'where the cluster runs [default: local]' })(),
    name: Flags.string({ char: 'n', description: 'cluster name (required without -f)' }),
    nodes: Flags.integer({ description: 'number of worker nodes when no descriptor gives them [default: 1]' }),
    runtime: Flags.option({ options: ['containerd', 'kwok'] as const, description: 'local: real nodes (containerd) or simulated ones (kwok) for --nodes [default: containerd]' })(),
    registry: Flags.string({ description: 'local: registry (host:port) real nodes pull from [default: the descriptor\'s, else 127.0.0.1:5000]', helpValue: 'HOST:PORT' }),
    'sandbox-image': Flags.string({ description: 'local: pod sandbox image for real nodes [default: nix/images/pause, built and pushed to the registry]', helpValue: 'REF' }),
    'bin-dir': Flags.string({ description: 'directory with etcd, kube-apiserver, ... [default: $IWP_K8S_BIN or scripts/k8s/build]', helpValue: 'DIR' }),
    timeout: Flags.integer({ default: 180, description: 'seconds to wait for the API, nodes and service accounts' }),
    'dry-run': Flags.boolean({ description: 'print the plan, create nothing' }),
    'wait-api': Flags.boolean({ description: 'ec2: wait for the k3s API and fetch its kubeconfig over SSH (--no-wait-api for emulators)', default: true, allowNo: true }),
    ...ec2Flags,
    ...stateFlag,
    ...stateDirFlag,
  };

  protected async execute() {
    const f = this.flags;
    const env = f.file ? await loadDescriptor(runProcess, f.file) : undefined;
    const name = f.name ?? env?.name;
    if (!name) throw badInput('--name', 'a cluster name (or -f ENV)');
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) throw badInput('--name', 'a DNS label (a-z, 0-9, -)', name);
    if (f.nodes !== undefined && (f.nodes < 1 || f.nodes > 100)) throw badInput('--nodes', '1..100', f.nodes);
    const provider = f.provider ?? env?.provider ?? 'local';
    if (provider === 'ec2') {
      if (!env) throw badInput('--file', 'an environment descriptor for the ec2 provider (network, nodes)');
      const plan = ec2Plan({ ...env, name }, { ...(f.ami ? { ami: f.ami } : {}), ...(f.region ? { region: f.region } : {}) });
      if (f['dry-run']) return { apiVersion: API_VERSION, kind: 'ClusterPlan', provider, ...plan };
      return this.record(await createEc2(ec2Client(plan.region), plan, { stateDir: localStateDir(name, f['state-dir']), waitApi: f['wait-api'], timeoutMs: f.timeout * 1000, log: (m) => this.logger.info(m) }));
    }
    if (provider === 'kind') {
      const config = kindConfig({ ...(env ?? { kubernetes: { version: 'v1.34.4' }, nodes: [{ role: 'control-plane', count: 1 }, { role: 'worker', count: f.nodes ?? 1 }] }), name } as Environment);
      if (f['dry-run']) return { apiVersion: API_VERSION, kind: 'ClusterPlan', provider, name, kindConfig: config };
      return createKind(runProcess, name, config, localStateDir(name, f['state-dir']));
    }
    if (provider !== 'local') {
      throw new IwpError(ErrorCode.FAILED, `provider ${provider}: design only (see the cluster-up README); local, kind and ec2 are available`);
    }
    const version = env?.kubernetes.version ?? 'v1.34.4';
    const nodes: NodeRequest[] = env && f.nodes === undefined
      ? localNodes({ ...env, name })
      : Array.from({ length: f.nodes ?? 1 }, (_, i) => ({ name: `${name}-worker-${i + 1}`, role: 'worker', runtime: f.runtime ?? 'containerd' }));
    if (f.runtime && env && f.nodes === undefined) for (const n of nodes) n.runtime = f.runtime;
    const registry = f.registry ?? env?.registry ?? '127.0.0.1:5000';
    const real = nodes.filter((n) => n.runtime !== 'kwok');
    const stateDir = localStateDir(name, f['state-dir']);
    if (f['dry-run']) {
      return {
        apiVersion: API_VERSION, kind: 'ClusterPlan', name, provider, kubernetes: { version }, stateDir,
        processes: [
          'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler',
          ...(real.length < nodes.length ? ['kwok'] : []),
          ...real.flatMap((n) => [`${n.name}-containerd`, `${n.name}-kubelet`, `${n.name}-kube-proxy`]),
          ...(real.length ? ['coredns'] : []),
        ],
        ...(real.length ? { registry } : {}),
        nodes: nodes.map((n) => ({ name: n.name, role: n.role, runtime: n.runtime, labels: n.labels ?? {}, taints: n.taints ?? [] })),
      };
    }
    const binDir = await resolveBinDir(runProcess, f['bin-dir'], version);
    return this.record(await createLocal({
      name, nodes, binDir, stateDir, run: runProcess, logger: this.logger, timeoutMs: f.timeout * 1000,
      ...(real.length ? { registry } : {}), ...(f['sandbox-image'] ? { sandboxImage: f['sandbox-image'] } : {}),
    }));
  }

  private async record<T extends { name: string }>(cluster: T): Promise<T> {
    if (!this.flags.state) return cluster;
    const version = await recordCluster(this.flags.state, cluster.name, { cluster, createdAt: new Date().toISOString() });
    this.logger.info(`recorded in ${this.flags.state} (stack cluster-${cluster.name}, version ${version})`);
    return cluster;
  }
}
