// A STAND-IN for Knative's data plane, for the test environment's simulated (kwok) nodes only,
// where no pod runs: KIngresses Ready, a gateway that routes and counts requests and buffers
// them through cold starts, queue-proxy stats and activator reports and probes for Knative's
// autoscaler (which reaches it as its HTTP_PROXY). Started by scripts/testenv.d/knative.sh:
//   node --import tsx packages/knative-deploy/test/standin/main.ts --kubeconfig F --port N
// On real nodes Knative's own activator and queue-proxy and iwp's ingress pod do this
// (`knative-deploy install --networking local`).
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '@iwp/core';
import { LocalDataPlane } from './dataplane.js';
import { runLocalIngress } from './ingress.js';

const { values: f } = parseArgs({ options: {
  kubeconfig: { type: 'string' }, port: { type: 'string', default: '0' },
  gateway: { type: 'string', default: 'knative-local-gateway.knative-serving.svc.cluster.local' },
  autoscaler: { type: 'string', default: 'ws://127.0.0.1:8080' },
} });
const kc = loadKubeConfig(f.kubeconfig ? { kubeconfig: f.kubeconfig } : undefined);
const ac = new AbortController();
const plane = new LocalDataPlane(kc, f.autoscaler);
const addr = await plane.listen({ port: Number(f.port) });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => ac.abort());
process.stderr.write(`stand-in data plane of ${kc.getCurrentCluster()?.server ?? 'the cluster'} on http://127.0.0.1:${addr.port}\n`);
await runLocalIngress(kc, { gateway: f.gateway, signal: ac.signal, onReconciled: (ns, n) => process.stderr.write(`ingress ${ns}/${n} Ready\n`) });
await plane.close();
