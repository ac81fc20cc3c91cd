import { Flags } from '@oclif/core';
import { clusterConfig, parseDuration, readDocument } from '@iwp/core';
import { BaseCommand, clusterFlags, inputFlag } from '@iwp/core/cli';
import { installServing, parseConfigFlags } from '../install.js';
import { DEFAULT_SERVING_VERSION } from '../release.js';

export default class Install extends BaseCommand<typeof Install> {
  static override description = 'install or upgrade Knative Serving core (CRDs, RBAC, config maps, controller, webhook, autoscaler, activator) and a networking layer by server-side apply, and wait until it has rolled out';
  static override examples = [
    'cluster-up create -f nix/environments/local.nix | <%= config.bin %> install --images build --networking local',
    '<%= config.bin %> install --images release --networking kourier --kubeconfig ~/.kube/config',
    '<%= config.bin %> install --api-only --kubeconfig $KUBECONFIG   # controllers run as processes elsewhere',
  ];
  static override flags = {
    ...inputFlag,
    ...clusterFlags,
    version: Flags.string({ description: 'knative.dev/serving module version (the pinned one ships with the package; others come from $GOPROXY)', default: DEFAULT_SERVING_VERSION, aliases: ['serving-version'] }),
    images: Flags.string({ description: 'build: from the Go module, packed by nix-image, pushed to the registry; release: Knative\'s published images [default: build on the local provider, else release]', options: ['build', 'release'] }),
    networking: Flags.string({ description: 'local: iwp\'s ingress as a pod; kourier: Kourier (release images); none [default: local on the local provider, else kourier]', options: ['local', 'kourier', 'none'] }),
    registry: Flags.string({ description: 'registry the cluster pulls from, HOST:PORT [default: the Cluster document\'s registry]' }),
    'api-only': Flags.boolean({ description: 'only the namespace, CRDs and config maps (Knative\'s controllers run elsewhere)', default: false }),
    force: Flags.boolean({ description: 'allow installing an older version over a newer one', default: false }),
    manifest: Flags.string({ description: 'install this file or URL instead (a release\'s serving-crds.yaml, serving-core.yaml)', helpValue: 'FILE|URL' }),
    domain: Flags.string({ description: 'domain of service URLs (config-domain) [default: svc.cluster.local addresses]' }),
    'registry-skip-resolve': Flags.string({ description: 'registries whose tags the controller does not resolve to digests', multiple: true }),
    config: Flags.string({ description: 'a setting of a knative-serving config map, CONFIGMAP.KEY=VALUE (repeatable)', multiple: true }),
    timeout: Flags.string({ description: 'how long to wait for CRDs and Deployments', default: '300s' }),
  };

  protected async execute() {
    const f = this.flags;
    const config = parseConfigFlags(f.config);
    const cluster = await readDocument({ accept: ['Cluster'], inputFile: f.input });
    const kc = await clusterConfig(f, cluster);
    const local = cluster?.provider === 'local';
    this.logger.info(`installing knative serving ${f.manifest ?? f.version} into ${kc.getCurrentCluster()?.server ?? 'the cluster'}`);
    return installServing(kc, {
      version: f.version, manifest: f.manifest, timeoutMs: parseDuration(f.timeout, '--timeout'), domain: f.domain, registries: f['registry-skip-resolve'], config,
      images: (f.images ?? (local ? 'build' : 'release')) as 'build' | 'release', networking: (f.networking ?? (local ? 'local' : 'kourier')) as 'local' | 'kourier' | 'none',
      registry: f.registry ?? cluster?.registry, apiOnly: f['api-only'], force: f.force, log: (line) => this.logger.info(line),
    });
  }
}
