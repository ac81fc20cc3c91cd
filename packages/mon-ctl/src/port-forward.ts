import { createServer, type AddressInfo, type Server } from 'node:net';
import type { KubeConfig } from '@kubernetes/client-node';
import { badInput, ErrorCode, IwpError, kubeClientNode } from '@iwp/core';

export const FORWARD_TARGETS = { prometheus: 9090, grafana: 3000 } as const;
export type ForwardTarget = keyof typeof FORWARD_TARGETS;

export function parseTarget(t: string): ForwardTarget {
  if (t in FORWARD_TARGETS) return t as ForwardTarget;
  throw badInput('TARGET', Object.keys(FORWARD_TARGETS).join(' or '), t);
}

/**
 * `kubectl port-forward` to the component's running pod: a local listener whose every
 * connection is a port-forward stream through the apiserver.
 */
export async function portForward(kc: KubeConfig, ns: string, target: ForwardTarget, local: { host: string; port: number }): Promise<{ server: Server; url: string; pod: string }> {
  const k8s = kubeClientNode();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace: ns, labelSelector: `app.kubernetes.io/name=${target}` });
  const pod = pods.items.find((p) => p.status?.phase === 'Running');
  if (!pod) throw new IwpError(ErrorCode.NOT_FOUND, `no running ${target} pod in namespace ${ns}`, { hint: 'mon-ctl install, then mon-ctl status' });
  const forward = new k8s.PortForward(kc);
  const server = createServer((socket) => {
    void forward.portForward(ns, pod.metadata!.name!, [FORWARD_TARGETS[target]], socket, null, socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(local.port, local.host, resolve);
  });
  const a = server.address() as AddressInfo;
  return { server, url: `http://${a.address}:${a.port}`, pod: pod.metadata!.name! };
}
