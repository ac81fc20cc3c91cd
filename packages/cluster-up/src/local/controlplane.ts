import { request } from 'node:https';
import { join } from 'node:path';
import { pollUntil } from '@iwp/core';
import type { Pki } from './certs.js';
import type { ProcSpec } from './procs.js';

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

/** The control plane's processes in start order: etcd, kube-apiserver, the controllers, kwok (when nodes are simulated). */
export function controlPlaneSpecs(c: ControlPlaneInput, k: Pki): ProcSpec[] {
  return [etcdSpec(c), apiserverSpec(c, k), controllerManagerSpec(c, k), schedulerSpec(c), ...(c.kwok ? [kwokSpec(c)] : [])];
}

const etcdUrl = (c: ControlPlaneInput) => `http://127.0.0.1:${c.ports.etcd}`;

function etcdSpec(c: ControlPlaneInput): ProcSpec {
  const peer = `http://127.0.0.1:${c.ports.etcdPeer}`;
  return {
    name: 'etcd',
    bin: join(c.binDir, 'etcd'),
    args: [
      '--name=default', `--data-dir=${join(c.dir, 'etcd')}`, `--listen-client-urls=${etcdUrl(c)}`,
      `--advertise-client-urls=${etcdUrl(c)}`, `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`, '--unsafe-no-fsync', '--log-level=warn',
    ],
  };
}

function apiserverSpec(c: ControlPlaneInput, k: Pki): ProcSpec {
  const kubeletFlags = c.kubeletClient
    ? [
        `--kubelet-client-certificate=${c.kubeletClient.cert}`, `--kubelet-client-key=${c.kubeletClient.key}`,
        `--kubelet-certificate-authority=${k.caCert}`,
        // logs, exec and port-forward go to the node's own address, never a DNS name
        '--kubelet-preferred-address-types=InternalIP',
      ]
    : [];
  return {
    name: 'kube-apiserver',
    bin: join(c.binDir, 'kube-apiserver'),
    args: [
      `--etcd-servers=${etcdUrl(c)}`, '--bind-address=127.0.0.1', `--secure-port=${c.ports.apiserver}`,
      '--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none', `--cert-dir=${join(c.dir, 'pki')}`,
      `--tls-cert-file=${k.serverCert}`, `--tls-private-key-file=${k.serverKey}`, `--client-ca-file=${k.caCert}`,
      `--service-account-key-file=${k.saPub}`, `--service-account-signing-key-file=${k.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-cluster-ip-range=${c.serviceCidr}`, '--authorization-mode=Node,RBAC', '--allow-privileged=true',
      '--enable-priority-and-fairness=false', '--profiling=false', '--v=1', ...kubeletFlags,
    ],
  };
}

/** the kubeconfig flags every client of the API takes */
const clientFlags = (c: ControlPlaneInput) => [`--kubeconfig=${c.kubeconfig}`, `--authentication-kubeconfig=${c.kubeconfig}`, `--authorization-kubeconfig=${c.kubeconfig}`];

/** client-side rate limit of the controllers and the scheduler (requests/s, burst) */
const CLIENT_RATE = ['--kube-api-qps=500', '--kube-api-burst=1000'];

function controllerManagerSpec(c: ControlPlaneInput, k: Pki): ProcSpec {
  return {
    name: 'kube-controller-manager',
    bin: join(c.binDir, 'kube-controller-manager'),
    args: [
      ...clientFlags(c),
      '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
      `--service-account-private-key-file=${k.saKey}`, `--root-ca-file=${k.caCert}`,
      `--service-cluster-ip-range=${c.serviceCidr}`, '--use-service-account-credentials=false', '--v=1',
      // simulated nodes on a busy machine may miss a heartbeat; a NotReady node would mark
      // its pods unready for good (kwok does not make them Ready again)
      '--node-monitor-grace-period=2m',
      // its controllers share one client, by default at 20 requests/s though the apiserver is
      // on loopback: the garbage collection of a namespace of 100 deleted Knative services
      // took 31.5 s at 20/s, 8.2 s at 500/s
      ...CLIENT_RATE,
    ],
  };
}

function schedulerSpec(c: ControlPlaneInput): ProcSpec {
  return {
    name: 'kube-scheduler',
    bin: join(c.binDir, 'kube-scheduler'),
    args: [...clientFlags(c), '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0', '--v=1', ...CLIENT_RATE],
  };
}

function kwokSpec(c: ControlPlaneInput): ProcSpec {
  return {
    name: 'kwok',
    bin: join(c.binDir, 'kwok'),
    args: [
      `--kubeconfig=${c.kubeconfig}`, '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      `--server-address=127.0.0.1:${c.ports.kwok}`, '--node-ip=10.0.0.1', '--cidr=10.244.0.1/16', '--v=0',
      // heartbeats as kubelets send them: node Leases renewed every 10 s
      '--node-lease-duration-seconds=40',
    ],
    // kwok reads ~/.kwok/kwok.yaml by default; keep it inside the state dir
    env: { ...process.env, HOME: c.dir } as Record<string, string>,
  };
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

export function waitFor(what: string, deadline: number, check: () => Promise<boolean>): Promise<void> {
  const holds = () => check().catch((err) => {
    // a component that died is reported at once, not after the deadline
    if ((err as { code?: string }).code === 'FAILED') throw err;
    return false;
  });
  return pollUntil(holds, deadline, `local cluster: ${what} not ready in time`, 200);
}
