import { Flags } from '@oclif/core';
import { BaseCommand, clusterConfig, clusterFlags } from '@iwp/core';
import { runLocalIngress } from '../local-ingress.js';

export default class LocalIngress extends BaseCommand<typeof LocalIngress> {
  static override description = "stand in for Knative's networking layer on clusters that cannot run gateway pods (local, simulated nodes): marks every KIngress Ready; runs until stopped";
  static override examples = ['<%= config.bin %> local-ingress --kubeconfig .testenv/kube/kubeconfig &'];
  static override flags = {
    ...clusterFlags,
    gateway: Flags.string({ description: 'the load balancer address to report', default: 'knative-local-gateway.knative-serving.svc.cluster.local' }),
  };

  protected async execute() {
    const kc = await clusterConfig(this.flags);
    const ac = new AbortController();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort());
    this.logger.info(`marking KIngresses of ${kc.getCurrentCluster()?.server ?? 'the cluster'} Ready (${this.flags.gateway})`);
    await runLocalIngress(kc, { gateway: this.flags.gateway, signal: ac.signal, onReconciled: (ns, n) => this.logger.info(`ingress ${ns}/${n} Ready`) });
    return undefined;
  }
}
