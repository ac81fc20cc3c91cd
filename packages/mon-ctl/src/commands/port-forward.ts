import { Args, Flags } from '@oclif/core';
import { API_VERSION, clusterConfig } from '@iwp/core';
import { BaseCommand, clusterFlags } from '@iwp/core/cli';
import { namespaceFlag } from '../cli/flags.js';
import { checkNamespace } from '../manifests.js';
import { FORWARD_TARGETS, parseTarget, portForward } from '../port-forward.js';

export default class PortForward extends BaseCommand<typeof PortForward> {
  static override description = 'forward a local port to Prometheus or Grafana in the cluster (as kubectl port-forward); prints the URL';
  static override args = { target: Args.string({ required: true, description: 'prometheus or grafana' }) };
  static override flags = {
    ...clusterFlags,
    ...namespaceFlag,
    address: Flags.string({ description: 'local address', default: '127.0.0.1' }),
    port: Flags.integer({ description: 'local port [default: the remote port]', min: 0, max: 65535 }),
  };

  protected async execute() {
    const target = parseTarget(this.args.target);
    const ns = checkNamespace(this.flags.namespace);
    const kc = await clusterConfig(this.flags);
    const fwd = await portForward(kc, ns, target, { host: this.flags.address, port: this.flags.port ?? FORWARD_TARGETS[target] });
    this.print({ apiVersion: API_VERSION, kind: 'PortForward', target, namespace: ns, pod: fwd.pod, url: fwd.url });
    await new Promise<void>((resolve) => {
      const stop = () => fwd.server.close(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return undefined;
  }
}
