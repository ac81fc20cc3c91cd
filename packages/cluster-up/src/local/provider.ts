import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import {
  API_VERSION, ErrorCode, IwpError, cacheDir, conflict, kubeClientNode, loadKubeConfig, notFound,
  runProcess, writeFileAtomic, type Cluster, type Logger, type Runner,
} from '@iwp/core';
import { createClusterAddons } from './addons.js';
import { generatePki, issueCert, pkiPaths } from './certs.js';
import { apiGet, CONTROL_PLANE, controlPlaneSpecs, waitFor } from './controlplane.js';
import { rangesInUse } from './hostnet.js';
import { writeKubeconfig } from './kubeconfig.js';
import { claimSlot, netPlan, type NetPlan } from './netplan.js';
import { ensureNodes, labelNodes, nodeReadiness, type NodeRequest } from './nodes.js';
import { checkNodeTools, defaultNodeTools, ensureSandboxImage } from './nodetools.js';
import { aliveProcesses, freePort, startDetached, stopAll } from './procs.js';
import { deleteRealNodes } from './realnode-delete.js';
import { checkAlive, nodeProcs, realNodeNets, startRealNodes, type NodeTools } from './realnode.js';

/** Service range of clusters without real nodes (nothing on the host routes to it). */
export const SERVICE_CIDR = '10.96.0.0/16';
export const SERVICE_IP = '10.96.0.1';

export interface LocalOptions {
  name: string;
  nodes: NodeRequest[];
  stateDir?: string;
  binDir: string;
  run: Runner;
  /** registry (host:port) real nodes pull from; the sandbox image is pushed there */
  registry?: string;
  /** a sandbox image reference to use instead of building nix/images/pause */
  sandboxImage?: string;
  tools?: Partial<NodeTools>;
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
  /** processes that must run (control plane and node components) */
  processes?: string[];
  /** network slot of a cluster with real nodes */
  slot?: number;
  registry?: string;
  createdAt: string;
}

export function localStateDir(name: string, stateDir?: string): string {
  return stateDir ?? cacheDir('clusters', name);
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

const isReal = (n: NodeRequest) => (n.runtime ?? 'containerd') === 'containerd';

async function coreApi(kubeconfig: string): Promise<CoreV1Api> {
  return loadKubeConfig({ kubeconfig }).makeApiClient(kubeClientNode().CoreV1Api);
}

/**
 * A control plane as local processes on loopback (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler), real nodes (containerd, kubelet, kube-proxy in their own network namespaces,
 * CoreDNS) and kwok for simulated ones. The processes outlive the CLI; their pids and all state
 * live in the state dir. A failed create removes everything it started.
 */
export async function createLocal(opts: LocalOptions): Promise<Cluster> {
  const dir = localStateDir(opts.name, opts.stateDir);
  if (await exists(join(dir, 'state.json'))) {
    throw conflict(`cluster ${opts.name} already exists (state in ${dir}); delete it first`);
  }
  const log = opts.logger ?? { info: () => undefined };
  const deadline = Date.now() + (opts.timeoutMs ?? 180_000);
  const real = opts.nodes.filter(isReal);
  const simulated = opts.nodes.filter((n) => !isReal(n));
  const tools = { ...defaultNodeTools(opts.binDir), ...opts.tools };
  if (real.length) {
    if (!opts.registry) throw new IwpError(ErrorCode.BAD_INPUT, 'registry: real nodes pull images from a registry; give --registry or `registry` in the descriptor');
    await checkNodeTools(tools);
  }
  try {
    const ports = { etcd: await freePort(), etcdPeer: await freePort(), apiserver: await freePort(), kwok: await freePort() };
    const server = `https://127.0.0.1:${ports.apiserver}`;
    const kubeconfig = join(dir, 'kubeconfig');
    const processes = [...CONTROL_PLANE.filter((p) => p !== 'kwok' || simulated.length), ...real.flatMap((n) => nodeProcs(n.name))];
    const st: LocalState = {
      name: opts.name, server, kubeconfig, context: `iwp-${opts.name}`, binDir: opts.binDir, ports, nodes: opts.nodes,
      processes: real.length ? [...processes, 'coredns'] : processes, registry: opts.registry, createdAt: new Date().toISOString(),
    };
    // state.json first: it marks the slot claimed below as owned, and lets a failed create clean up
    await writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(st, null, 2)}\n`);
    let plan: NetPlan | undefined;
    if (real.length) {
      plan = await claimSlot(dir, (p) => rangesInUse(opts.run, p));
      st.slot = plan.slot;
      await writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(st, null, 2)}\n`);
    }
    log.info('generating certificates');
    const pki = await generatePki(opts.run, dir, plan?.serviceIp ?? SERVICE_IP);
    await writeKubeconfig(kubeconfig, opts.name, server, pki);
    const kubeletClient = plan ? await issueCert(opts.run, pki, pki.dir, 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client') : undefined;
    const specs = controlPlaneSpecs({
      dir, binDir: opts.binDir, kubeconfig, ports, serviceCidr: plan?.serviceCidr ?? SERVICE_CIDR, kubeletClient, kwok: simulated.length > 0,
    }, pki);
    const [etcd, apiserver, ...rest] = specs;
    log.info(`starting etcd on 127.0.0.1:${ports.etcd}`);
    await startDetached(dir, etcd!);
    await waitFor('etcd', deadline, async () => (await fetch(`http://127.0.0.1:${ports.etcd}/health`)).ok);
    log.info(`starting kube-apiserver on ${server}`);
    await startDetached(dir, apiserver!);
    const sandboxImage = real.length ? (opts.sandboxImage ?? await ensureSandboxImage(opts.run, opts.registry!)) : undefined;
    const creds = { ca: await readFile(pki.caCert), cert: await readFile(pki.adminCert), key: await readFile(pki.adminKey) };
    await waitFor('kube-apiserver', deadline, async () => (await apiGet(server, '/readyz', creds)) === 200);
    for (const s of rest) {
      log.info(`starting ${s.name}`);
      await startDetached(dir, s);
    }
    const core = await coreApi(kubeconfig);
    if (plan) {
      const nets = await startRealNodes({
        run: opts.run, stateDir: dir, clusterName: opts.name, server, apiPort: ports.apiserver, binDir: opts.binDir, tools, pki, plan,
        nodes: real, sandboxImage: sandboxImage!, registries: [opts.registry!], log: (m) => log.info(m),
      });
      const rbac = loadKubeConfig({ kubeconfig }).makeApiClient(kubeClientNode().RbacAuthorizationV1Api);
      await waitFor('the kube-system namespace', deadline, async () => !!(await core.readNamespace({ name: 'kube-system' })));
      await createClusterAddons(core, rbac, plan, nets[0]!, ports.apiserver);
    }
    await ensureNodes(core, simulated);
    log.info(`waiting for ${opts.nodes.length} node(s) and the default service account`);
    await waitFor('nodes', deadline, async () => {
      await checkAlive(dir, st.processes ?? []);
      return (await nodeReadiness(core)).filter((n) => n.ready).length >= opts.nodes.length;
    });
    await labelNodes(core, real);
    await waitFor('service account default/default', deadline, async () => {
      await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
      return true;
    });
    return await statusLocal(opts.name, opts.stateDir);
  } catch (err) {
    // the logs stay: the error names the one that tells why
    await deleteLocal(opts.name, opts.stateDir, opts.run, { keepLogs: true }).catch(() => undefined);
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

/** The cluster's `Cluster` document; fails naming the components that are not running. */
export async function statusLocal(name: string, stateDir?: string): Promise<Cluster> {
  const dir = localStateDir(name, stateDir);
  const st = await readState(dir, name);
  const alive = await aliveProcesses(dir);
  const down = (st.processes ?? CONTROL_PLANE).filter((p) => !alive[p]);
  if (down.length) {
    throw new IwpError(ErrorCode.FAILED, `local cluster ${name} is not running (${down.join(', ')} stopped; logs in ${join(dir, 'logs')}); delete and create it again`);
  }
  const core = await coreApi(st.kubeconfig);
  const nodes = await nodeReadiness(core);
  const runtimeOf = (n: string) => st.nodes.find((r) => r.name === n)?.runtime ?? (st.slot === undefined ? 'kwok' : 'containerd');
  const roleOf = (labels: Record<string, string>) => ('node-role.kubernetes.io/control-plane' in labels ? 'control-plane' : 'worker');
  const plan = st.slot === undefined ? undefined : netPlan(st.slot);
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    name,
    provider: 'local',
    kubeconfig: st.kubeconfig,
    context: st.context,
    server: st.server,
    nodes: nodes.map((n) => ({
      name: n.name, role: roleOf(n.labels), ready: n.ready, runtime: runtimeOf(n.name),
      ...(n.address && runtimeOf(n.name) === 'containerd' ? { address: n.address } : {}),
    })),
    ...(st.registry ? { registry: st.registry } : {}),
    ...(plan ? { network: { podCidr: plan.podCidr, serviceCidr: plan.serviceCidr, dns: plan.dnsIp, hostIp: plan.hostIp, bridge: plan.hostBridge } } : {}),
    stateDir: dir,
  } as Cluster;
}

/**
 * Removes the cluster: its real nodes (processes, containers, mounts, namespaces, bridge,
 * cgroups), then exactly the recorded control-plane processes, then the state dir. Fine when
 * nothing is there, and when components already died.
 */
export async function deleteLocal(
  name: string, stateDir?: string, run?: Runner, opts: { keepLogs?: boolean } = {},
): Promise<{ name: string; stopped: string[]; removed: boolean; killed?: number }> {
  const dir = localStateDir(name, stateDir);
  const there = await exists(dir);
  if (!there) return { name, stopped: [], removed: false };
  const st = await readState(dir, name).catch(() => undefined);
  let killed: number | undefined;
  let failure: unknown;
  if (st?.slot !== undefined) {
    const runner = run ?? runProcess;
    const plan = netPlan(st.slot);
    try {
      killed = (await deleteRealNodes(runner, dir, plan, realNodeNets(plan, st.nodes.filter(isReal)))).killed;
    } catch (err) {
      failure = err;
    }
  }
  // the control plane goes whatever happened to the nodes; the state stays for another try
  const stopped = await stopAll(dir, CONTROL_PLANE);
  if (failure) throw new IwpError(ErrorCode.FAILED, `deleting the nodes of ${name}: ${(failure as Error).message}; run delete again`, { cause: failure });
  if (opts.keepLogs) {
    for (const e of await readdir(dir)) if (e !== 'logs') await rm(join(dir, e), { recursive: true, force: true });
  } else {
    await rm(dir, { recursive: true, force: true });
  }
  return { name, stopped, removed: true, ...(killed !== undefined ? { killed } : {}) };
}

export { pkiPaths };
