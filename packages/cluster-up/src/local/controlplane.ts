import { request } from 'node:https';
import { join } from 'node:path';
import { timedOut } from '@iwp/core';
import type { Pki } from './certs.js';
import { sleep, type ProcSpec } from './procs.js';

/** What the control plane's processes need to know about the cluster. */
export interface ControlPlaneInput {
  dir: string;
  binDir: string;
  kubeconfig: string;
  ports: Record<string, number>;
  serviceCidr: string;
  /** the API server's client identity towards kubelets (real nodes only) */
  kubeletClient?: { cert: string; key: string };
  /** kwok runs only when some nodes are simulated */
  kwok: boolean;
}

/** Stop order: clients of the API first, etcd last. */
export const CONTROL_PLANE = ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'];

export function controlPlaneSpecs(c: ControlPlaneInput, k: Pki): ProcSpec[] {
  const b = (n: string) => join(c.binDir, n);
  const p = c.ports;
  const etcdUrl = `http://127.0.0.1:${p.etcd}`;
  const kubeletFlags = c.kubeletClient
    ? [
        `--kubelet-client-certificate=${c.kubeletClient.cert}`, `--kubelet-client-key=${c.kubeletClient.key}`,
        `--kubelet-certificate-authority=${k.caCert}`,
        // logs, exec and port-forward go to the node's own address, never a DNS name
        '--kubelet-preferred-address-types=InternalIP',
      ]
    : [];
  const specs: ProcSpec[] = [
    {
      name: 'etcd',
      bin: b('etcd'),
      args: [
        '--name=default', `--data-dir=${join(c.dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`, `--listen-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${p.etcdPeer}`,
        `--initial-cluster=default=http://127.0.0.1:${p.etcdPeer}`, '--unsafe-no-fsync', '--log-level=warn',
      ],
    },
    {
      name: 'kube-apiserver',
      bin: b('kube-apiserver'),
      args: [
        `--etcd-servers=${etcdUrl}`, '--bind-address=127.0.0.1', `--secure-port=${p.apiserver}`,
        '--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none', `--cert-dir=${join(c.dir, 'pki')}`,
        `--tls-cert-file=${k.serverCert}`, `--tls-private-key-file=${k.serverKey}`, `--client-ca-file=${k.caCert}`,
        `--service-account-key-file=${k.saPub}`, `--service-account-signing-key-file=${k.saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-cluster-ip-range=${c.serviceCidr}`, '--authorization-mode=Node,RBAC', '--allow-privileged=true',
        '--enable-priority-and-fairness=false', '--profiling=false', '--v=1', ...kubeletFlags,
      ],
    },
    {
      name: 'kube-controller-manager',
      bin: b('kube-controller-manager'),
      args: [
        `--kubeconfig=${c.kubeconfig}`, `--authentication-kubeconfig=${c.kubeconfig}`, `--authorization-kubeconfig=${c.kubeconfig}`,
        '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
        `--service-account-private-key-file=${k.saKey}`, `--root-ca-file=${k.caCert}`,
        `--service-cluster-ip-range=${c.serviceCidr}`, '--use-service-account-credentials=false', '--v=1',
        // simulated nodes on a busy machine may miss a heartbeat; a NotReady node would mark
        // its pods unready for good (kwok does not make them Ready again)
        '--node-monitor-grace-period=2m',
      ],
    },
    {
      name: 'kube-scheduler',
      bin: b('kube-scheduler'),
      args: [
        `--kubeconfig=${c.kubeconfig}`, `--authentication-kubeconfig=${c.kubeconfig}`, `--authorization-kubeconfig=${c.kubeconfig}`,
        '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0', '--v=1',
      ],
    },
  ];
  if (c.kwok) {
    specs.push({
      name: 'kwok',
      bin: b('kwok'),
      args: [
        `--kubeconfig=${c.kubeconfig}`, '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--server-address=127.0.0.1:${p.kwok}`, '--node-ip=10.0.0.1', '--cidr=10.244.0.1/16', '--v=0',
        // heartbeats as kubelets send them: node Leases renewed every 10 s
        '--node-lease-duration-seconds=40',
      ],
      // kwok reads ~/.kwok/kwok.yaml by default; keep it inside the state dir
      env: { ...process.env, HOME: c.dir } as Record<string, string>,
    });
  }
  return specs;
}

/** GET a path of the apiserver with the admin client certificate; resolves with the status code. */
export function apiGet(server: string, path: string, pki: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<number> {
  return new Promise((resolve) => {
    const req = request(`${server}${path}`, { ...pki, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

export async function waitFor(what: string, deadline: number, check: () => Promise<boolean>): Promise<void> {
  while (!(await check().catch((err) => {
    // a component that died is reported at once, not after the deadline
    if ((err as { code?: string }).code === 'FAILED') throw err;
    return false;
  }))) {
    if (Date.now() > deadline) throw timedOut(`local cluster: ${what} not ready in time`);
    await sleep(200);
  }
}
