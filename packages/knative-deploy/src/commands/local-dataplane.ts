import { Flags } from '@oclif/core';
import { clusterConfig } from '@iwp/core';
import { BaseCommand, clusterFlags } from '@iwp/core/cli';
import { LocalDataPlane } from '../local-dataplane.js';
import { runLocalIngress } from '../local-ingress.js';

export default class LocalDataplane extends BaseCommand<typeof LocalDataplane> {
  static override description = "stand in for Knative's data plane where pods cannot run (local clusters with simulated nodes): KIngresses Ready, a gateway that routes and counts requests and buffers them through cold starts, queue-proxy stats and activator reports and probes for Knative's autoscaler; runs until stopped";
  static override examples = [
    '<%= config.bin %> local-dataplane --port 8081 &',
    'HTTP_PROXY=http://127.0.0.1:8081 NO_PROXY=127.0.0.1,localhost autoscaler ...   # Knative\'s autoscaler scrapes through it',
    "curl -H 'Host: hello.default.svc.cluster.local' 'http://127.0.0.1:8081/?hold=2000'",
  ];
  static override flags = {
    ...clusterFlags,
    port: Flags.integer({ description: 'port of the gateway and of the proxy the autoscaler uses (0 = any free port)', default: 0 }),
    gateway: Flags.string({ description: 'the load balancer address KIngresses get', default: 'knative-local-gateway.knative-serving.svc.cluster.local' }),
    autoscaler: Flags.string({ description: "the autoscaler's stats websocket, where requests buffered for a revision at zero are reported", default: 'ws://127.0.0.1:8080' }),
  };

  protected async execute() {
    const kc = await clusterConfig(this.flags);
    const ac = new AbortController();
    const plane = new LocalDataPlane(kc, this.flags.autoscaler);
    const addr = await plane.listen({ port: this.flags.port });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort());
    this.logger.info(`data plane of ${kc.getCurrentCluster()?.server ?? 'the cluster'} on http://127.0.0.1:${addr.port}`);
    await runLocalIngress(kc, { gateway: this.flags.gateway, signal: ac.signal, onReconciled: (ns, n) => this.logger.info(`ingress ${ns}/${n} Ready`) });
    await plane.close();
    return undefined;
  }
}
