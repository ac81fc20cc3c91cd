import { Flags } from '@oclif/core';
import { BaseCommand, clusterConfig, clusterFlags, inputFlag, parseDuration, readDocument } from '@iwp/core';
import { installServing, parseConfigFlags } from '../install.js';
import { DEFAULT_SERVING_VERSION } from '../release.js';

export default class Install extends BaseCommand<typeof Install> {
  static override description = 'install Knative Serving (namespace, CRDs, config maps) by server-side apply and wait until the CRDs are Established';
  static override examples = [
    'cluster-up create -f nix/environments/local.nix | <%= config.bin %> install',
    '<%= config.bin %> install --manifest https://github.com/knative/serving/releases/download/knative-v1.20.0/serving-core.yaml',
  ];
  static override flags = {
    ...inputFlag,
    ...clusterFlags,
    version: Flags.string({ description: 'knative.dev/serving module version (the pinned one ships with the package; others come from $GOPROXY)', default: DEFAULT_SERVING_VERSION, aliases: ['serving-version'] }),
    manifest: Flags.string({ description: 'install this file or URL instead (a release\'s serving-crds.yaml, serving-core.yaml)', helpValue: 'FILE|URL' }),
    domain: Flags.string({ description: 'domain of service URLs (config-domain) [default: svc.cluster.local addresses]' }),
    'registry-skip-resolve': Flags.string({ description: 'registries whose tags the controller does not resolve to digests', multiple: true }),
    config: Flags.string({ description: 'a setting of a knative-serving config map, CONFIGMAP.KEY=VALUE (repeatable)', multiple: true }),
    timeout: Flags.string({ description: 'how long to wait for the CRDs', default: '60s' }),
  };

  protected async execute() {
    const f = this.flags;
    const config = parseConfigFlags(f.config);
    const cluster = await readDocument({ accept: ['Cluster'], inputFile: f.input });
    const kc = await clusterConfig(f, cluster);
    this.logger.info(`installing knative serving ${f.manifest ?? f.version} into ${kc.getCurrentCluster()?.server ?? 'the cluster'}`);
    return installServing(kc, { version: f.version, manifest: f.manifest, timeoutMs: parseDuration(f.timeout, '--timeout'), domain: f.domain, registries: f['registry-skip-resolve'], config });
  }
}
