import { readFile, rm, stat } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import {
  API_VERSION, ErrorCode, IwpError, cacheDir, conflict, kubeClientNode, loadKubeConfig, notFound, timedOut,
  writeFileAtomic, type Cluster, type Logger, type Runner,
} from '@iwp/core';
import { generatePki, pkiPaths, type Pki } from './certs.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ensureNodes, nodeReadiness, type NodeRequest } from './nodes.js';
import { aliveProcesses, freePort, sleep, startDetached, stopAll, type ProcSpec } from './procs.js';

export const SERVICE_CIDR = '10.96.0.0/16';
export const SERVICE_IP = '10.96.0.1';
/** Stop order: clients of the API first, etcd last. */
const STOP_ORDER = ['kwok', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'etcd'];

export interface LocalOptions {
  name: string;
  nodes: NodeRequest[];
  stateDir?: string;
  binDir: string;
  run: Runner;
  logger?: Pick<Logger, 'info'>;
  /** how long to wait for the API, the nodes and the default service account */
  timeoutMs?: number;
}

interface LocalState {
  name: string;
  server: string;
  kubeconfig: string;
  context: string;
  binDir: string;
  ports: Record<string, number>;
  nodes: NodeRequest[];
  createdAt: string;
}

export function localStateDir(name: string, stateDir?: string): string {
  return stateDir ?? cacheDir('clusters', name);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** GET a path of the apiserver with the admin client certificate; resolves with the status code. */
function apiGet(server: string, path: string, pki: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<number> {
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

async function waitFor(what: string, deadline: number, check: () => Promise<boolean>): Promise<void> {
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw timedOut(`local cluster: ${what} not ready in time`);
    await sleep(200);
  }
}

function specs(st: LocalState, dir: string, k: Pki): ProcSpec[] {
  const b = (n: string) => join(st.binDir, n);
  const p = st.ports;
  const etcdUrl = `http://127.0.0.1:${p.etcd}`;
  return [
    {
      name: 'etcd',
      bin: b('etcd'),
      args: [
        '--name=default', `--data-dir=${join(dir, 'etcd')}`, `--listen-client-urls=${etcdUrl}`,
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
        '--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none', `--cert-dir=${join(dir, 'pki')}`,
        `--tls-cert-file=${k.serverCert}`, `--tls-private-key-file=${k.serverKey}`, `--client-ca-file=${k.caCert}`,
        `--service-account-key-file=${k.saPub}`, `--service-account-signing-key-file=${k.saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-cluster-ip-range=${SERVICE_CIDR}`, '--authorization-mode=Node,RBAC', '--allow-privileged=true',
        '--enable-priority-and-fairness=false', '--profiling=false', '--v=1',
      ],
    },
    {
      name: 'kube-controller-manager',
      bin: b('kube-controller-manager'),
      args: [
        `--kubeconfig=${st.kubeconfig}`, `--authentication-kubeconfig=${st.kubeconfig}`, `--authorization-kubeconfig=${st.kubeconfig}`,
        '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0',
        `--service-account-private-key-file=${k.saKey}`, `--root-ca-file=${k.caCert}`,
        `--service-cluster-ip-range=${SERVICE_CIDR}`, '--use-service-account-credentials=false', '--v=1',
        // simulated nodes on a busy machine may miss a heartbeat; a NotReady node would mark
        // its pods unready for good (kwok does not make them Ready again)
        '--node-monitor-grace-period=2m',
      ],
    },
    {
      name: 'kube-scheduler',
      bin: b('kube-scheduler'),
      args: [
        `--kubeconfig=${st.kubeconfig}`, `--authentication-kubeconfig=${st.kubeconfig}`, `--authorization-kubeconfig=${st.kubeconfig}`,
        '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=0', '--v=1',
      ],
    },
    {
      name: 'kwok',
      bin: b('kwok'),
      args: [
        `--kubeconfig=${st.kubeconfig}`, '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--server-address=127.0.0.1:${p.kwok}`, '--node-ip=10.0.0.1', '--cidr=10.244.0.1/16', '--v=0',
        // heartbeats as kubelets send them: node Leases renewed every 10 s
        '--node-lease-duration-seconds=40',
      ],
      // kwok reads ~/.kwok/kwok.yaml by default; keep it inside the state dir
      env: { ...process.env, HOME: dir } as Record<string, string>,
    },
  ];
}

async function coreApi(kubeconfig: string): Promise<CoreV1Api> {
  const kc = loadKubeConfig({ kubeconfig });
  return kc.makeApiClient(kubeClientNode().CoreV1Api);
}

/**
 * A control plane as local processes on loopback (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler) plus kwok for simulated nodes. The processes outlive the CLI; their pids and
 * all state live in the state dir. A failed create stops what it started and removes the dir.
 */
export async function createLocal(opts: LocalOptions): Promise<Cluster> {
  const dir = localStateDir(opts.name, opts.stateDir);
  if (await exists(join(dir, 'state.json'))) {
    throw conflict(`cluster ${opts.name} already exists (state in ${dir}); delete it first`);
  }
  const log = opts.logger ?? { info: () => undefined };
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  try {
    const ports = { etcd: await freePort(), etcdPeer: await freePort(), apiserver: await freePort(), kwok: await freePort() };
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const kubeconfig = join(dir, 'kubeconfig');
    log.info('generating certificates');
    const pki = await generatePki(opts.run, dir, SERVICE_IP);
    const context = await writeKubeconfig(kubeconfig, opts.name, server, pki);
    const st: LocalState = {
      name: opts.name, server, kubeconfig, context, binDir: opts.binDir, ports, nodes: opts.nodes,
      createdAt: new Date().toISOString(),
    };
    await writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(st, null, 2)}\n`);
    const [etcd, apiserver, ...rest] = specs(st, dir, pki);
    log.info(`starting etcd on 127.0.0.1:${ports.etcd}`);
    await startDetached(dir, etcd!);
    await waitFor('etcd', deadline, async () => (await fetch(`http://127.0.0.1:${ports.etcd}/health`)).ok);
    log.info(`starting kube-apiserver on ${server}`);
    await startDetached(dir, apiserver!);
    const creds = { ca: await readFile(pki.caCert), cert: await readFile(pki.adminCert), key: await readFile(pki.adminKey) };
    await waitFor('kube-apiserver', deadline, async () => (await apiGet(server, '/readyz', creds)) === 200);
    for (const s of rest) {
      log.info(`starting ${s.name}`);
      await startDetached(dir, s);
    }
    const core = await coreApi(kubeconfig);
    await ensureNodes(core, opts.nodes);
    log.info(`waiting for ${opts.nodes.length} node(s) and the default service account`);
    await waitFor('nodes', deadline, async () => (await nodeReadiness(core)).filter((n) => n.ready).length >= opts.nodes.length);
    await waitFor('service account default/default', deadline, async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    });
    return await statusLocal(opts.name, opts.stateDir);
  } catch (err) {
    await deleteLocal(opts.name, opts.stateDir).catch(() => undefined);
    throw err;
  }
}

async function readState(dir: string, name: string): Promise<LocalState> {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as LocalState;
  } catch {
    throw notFound(`local cluster ${name} (no state in ${dir})`);
  }
}

/** The cluster's `Cluster` document; fails when its processes are not all running. */
export async function statusLocal(name: string, stateDir?: string): Promise<Cluster> {
  const dir = localStateDir(name, stateDir);
  const st = await readState(dir, name);
  const alive = await aliveProcesses(dir);
  const down = STOP_ORDER.filter((p) => !alive[p]);
  if (down.length) {
    throw new IwpError(ErrorCode.FAILED, `local cluster ${name} is not running (${down.join(', ')} stopped); delete and create it again`);
  }
  const core = await coreApi(st.kubeconfig);
  const nodes = await nodeReadiness(core);
  const roleOf = (labels: Record<string, string>) => ('node-role.kubernetes.io/control-plane' in labels ? 'control-plane' : 'worker');
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    name,
    provider: 'local',
    kubeconfig: st.kubeconfig,
    context: st.context,
    server: st.server,
    nodes: nodes.map((n) => ({ name: n.name, role: roleOf(n.labels), ready: n.ready })),
    stateDir: dir,
  } as Cluster;
}

/** Stops exactly the recorded processes and removes the state dir; fine when nothing is there. */
export async function deleteLocal(name: string, stateDir?: string): Promise<{ name: string; stopped: string[]; removed: boolean }> {
  const dir = localStateDir(name, stateDir);
  const there = await exists(dir);
  const stopped = there ? await stopAll(dir, STOP_ORDER) : [];
  if (there) await rm(dir, { recursive: true, force: true });
  return { name, stopped, removed: there };
}

export { pkiPaths };
