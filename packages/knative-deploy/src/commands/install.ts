import { Flags } from '@oclif/core';
import { BaseCommand, clusterConfig, clusterFlags, inputFlag, readDocument } from '@iwp/core';
import { installServing } from '../install.js';
import { DEFAULT_SERVING_VERSION } from '../release.js';

export default class Install extends BaseCommand<typeof Install> {
  static override description = "install Knative Serving's API (namespace, CRDs, config maps) into a cluster";
  static override examples = [
    'cluster-up create -f nix/environments/local.nix | <%= config.bin %> install',
    '<%= config.bin %> install --kubeconfig ~/.kube/config --serving-version v0.51.0',
  ];
  static override flags = {
    ...inputFlag,
    ...clusterFlags,
    'serving-version': Flags.string({ description: 'knative.dev/serving module version', default: DEFAULT_SERVING_VERSION }),
    domain: Flags.string({ description: 'domain of service URLs (config-domain) [default: svc.cluster.local addresses]' }),
    'registry-skip-resolve': Flags.string({ description: 'registries whose tags the controller does not resolve to digests', multiple: true }),
    timeout: Flags.integer({ description: 'seconds to wait for the CRDs', default: 60 }),
  };

  protected async execute() {
    const f = this.flags;
    const cluster = await readDocument({ accept: ['Cluster'], inputFile: f.input });
    const kc = await clusterConfig(f, cluster);
    this.logger.info(`installing knative serving ${f['serving-version']} into ${kc.getCurrentCluster()?.server ?? 'the cluster'}`);
    return installServing(kc, { version: f['serving-version'], timeoutMs: f.timeout * 1000, domain: f.domain, registries: f['registry-skip-resolve'] });
  }
}
