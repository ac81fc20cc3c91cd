// The entry point of iwp's ingress pod (bundled into one file by `knative-deploy install
// --networking local`): in-cluster credentials, INGRESS_DOMAIN (its Service's name), PORT.
import * as k8s from '@kubernetes/client-node';
import { IngressServer } from './server.js';

const kc = new k8s.KubeConfig();
kc.loadFromCluster();
const server = new IngressServer(kc, {
  domainInternal: process.env.INGRESS_DOMAIN ?? 'iwp-ingress.knative-serving.svc.cluster.local',
  ingressClass: process.env.INGRESS_CLASS || undefined,
  port: Number(process.env.PORT ?? 8080),
  log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
});
const addr = await server.start();
process.stderr.write(`iwp ingress on :${addr.port}\n`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void server.stop().then(() => process.exit(0)));
