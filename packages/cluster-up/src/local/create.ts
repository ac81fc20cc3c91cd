import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import { ErrorCode, IwpError, conflict, freePort, kubeClientNode, loadKubeConfig, type Cluster, type Logger, type Runner } from '@iwp/core';
import { createClusterAddons } from './addons.js';
import { generatePki, issueCert, type Pki } from './certs.js';
import { apiGet, CONTROL_PLANE, controlPlaneSpecs, waitFor } from './controlplane.js';
import { deleteLocal } from './delete.js';
import { rangesInUse } from './hostnet.js';
import { writeKubeconfig } from './kubeconfig.js';
import { claimSlot, type NetPlan } from './netplan.js';
import { ensureNodes, labelNodes, nodeReadiness, type NodeRequest } from './nodes.js';
import { checkNodeTools, defaultNodeTools, ensureSandboxImage } from './nodetools.js';
import { startDetached } from './procs.js';
import { checkAlive, nodeProcs, startRealNodes, type NodeTools } from './realnode.js';
import { coreApi, exists, isReal, localStateDir, SERVICE_CIDR, SERVICE_IP, writeState, type LocalState } from './state.js';
import { statusLocal } from './status.js';

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

/** One create under way: what every step reads. */
interface Creating {
  opts: LocalOptions;
  dir: string;
  log: Pick<Logger, 'info'>;
  deadline: number;
  real: NodeRequest[];
  simulated: NodeRequest[];
  tools: NodeTools;
  st: LocalState;
  /** the network of the real nodes (none without) */
  plan?: NetPlan;
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
  const real = opts.nodes.filter(isReal);
  const tools = { ...defaultNodeTools(opts.binDir), ...opts.tools };
  if (real.length) {
    if (!opts.registry) throw new IwpError(ErrorCode.BAD_INPUT, 'registry: real nodes pull images from a registry; give --registry or `registry` in the descriptor');
    await checkNodeTools(tools);
  }
  try {
    const c = await recordState(opts, dir, real, tools);
    const { core, pki, sandboxImage } = await startControlPlane(c);
    if (c.plan) await startRealNodesAndAddons(c, c.plan, pki, sandboxImage!, core);
    await startNodes(c, core);
    return await statusLocal(opts.name, opts.stateDir);
  } catch (err) {
    // the logs stay: the error names the one that tells why
    await deleteLocal(opts.name, opts.stateDir, opts.run, { keepLogs: true }).catch(() => undefined);
    throw err;
  }
}

/** Ports, the processes that must run and (real nodes) a network slot, in state.json before anything starts. */
async function recordState(opts: LocalOptions, dir: string, real: NodeRequest[], tools: NodeTools): Promise<Creating> {
  const simulated = opts.nodes.filter((n) => !isReal(n));
  const ports = { etcd: await freePort(), etcdPeer: await freePort(), apiserver: await freePort(), kwok: await freePort() };
  const processes = [...CONTROL_PLANE.filter((p) => p !== 'kwok' || simulated.length), ...real.flatMap((n) => nodeProcs(n.name))];
  const st: LocalState = {
    name: opts.name, server: `https://127.0.0.1:${ports.apiserver}`, kubeconfig: join(dir, 'kubeconfig'), context: `iwp-${opts.name}`,
    binDir: opts.binDir, ports, nodes: opts.nodes, processes: real.length ? [...processes, 'coredns'] : processes,
    registry: opts.registry, createdAt: new Date().toISOString(),
  };
  // state.json first: it marks the slot claimed below as owned, and lets a failed create clean up
  await writeState(dir, st);
  let plan: NetPlan | undefined;
  if (real.length) {
    plan = await claimSlot(dir, (p) => rangesInUse(opts.run, p));
    st.slot = plan.slot;
    await writeState(dir, st);
  }
  const log = opts.logger ?? { info: () => undefined };
  return { opts, dir, log, deadline: Date.now() + (opts.timeoutMs ?? 180_000), real, simulated, tools, st, ...(plan ? { plan } : {}) };
}

/** Certificates, then etcd, kube-apiserver (the sandbox image is made while it starts) and the rest. */
async function startControlPlane(c: Creating): Promise<{ core: CoreV1Api; pki: Pki; sandboxImage?: string }> {
  const { opts, dir, log, st, plan } = c;
  log.info('generating certificates');
  const pki = await generatePki(opts.run, dir, plan?.serviceIp ?? SERVICE_IP);
  await writeKubeconfig(st.kubeconfig, opts.name, st.server, pki);
  const kubeletClient = plan ? await issueCert(opts.run, pki, pki.dir, 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client') : undefined;
  const [etcd, apiserver, ...rest] = controlPlaneSpecs({
    dir, binDir: opts.binDir, kubeconfig: st.kubeconfig, ports: st.ports, serviceCidr: plan?.serviceCidr ?? SERVICE_CIDR, kubeletClient, kwok: c.simulated.length > 0,
  }, pki);
  log.info(`starting etcd on 127.0.0.1:${st.ports.etcd}`);
  await startDetached(dir, etcd!);
  await waitFor('etcd', c.deadline, async () => (await fetch(`http://127.0.0.1:${st.ports.etcd}/health`)).ok);
  log.info(`starting kube-apiserver on ${st.server}`);
  await startDetached(dir, apiserver!);
  const sandboxImage = c.real.length ? (opts.sandboxImage ?? await ensureSandboxImage(opts.run, opts.registry!)) : undefined;
  const creds = { ca: await readFile(pki.caCert), cert: await readFile(pki.adminCert), key: await readFile(pki.adminKey) };
  await waitFor('kube-apiserver', c.deadline, async () => (await apiGet(st.server, '/readyz', creds)) === 200);
  for (const s of rest) {
    log.info(`starting ${s.name}`);
    await startDetached(dir, s);
  }
  return { core: await coreApi(st.kubeconfig), pki, ...(sandboxImage ? { sandboxImage } : {}) };
}

async function startRealNodesAndAddons(c: Creating, plan: NetPlan, pki: Pki, sandboxImage: string, core: CoreV1Api): Promise<void> {
  const { opts, st } = c;
  const nets = await startRealNodes({
    run: opts.run, stateDir: c.dir, clusterName: opts.name, server: st.server, apiPort: st.ports.apiserver!, binDir: opts.binDir, tools: c.tools, pki, plan,
    nodes: c.real, sandboxImage, registries: [opts.registry!], log: (m) => c.log.info(m),
  });
  const rbac = loadKubeConfig({ kubeconfig: st.kubeconfig }).makeApiClient(kubeClientNode().RbacAuthorizationV1Api);
  await waitFor('the kube-system namespace', c.deadline, async () => !!(await core.readNamespace({ name: 'kube-system' })));
  await createClusterAddons(core, rbac, plan, nets[0]!, st.ports.apiserver!);
}

/** Simulated nodes registered (real ones registered themselves), then every node Ready (its processes alive meanwhile), labelled, and the default service account there. */
async function startNodes(c: Creating, core: CoreV1Api): Promise<void> {
  const { opts, dir, st } = c;
  await ensureNodes(core, c.simulated);
  c.log.info(`waiting for ${opts.nodes.length} node(s) and the default service account`);
  await waitFor('nodes', c.deadline, async () => {
    await checkAlive(dir, st.processes ?? []);
    return (await nodeReadiness(core)).filter((n) => n.ready).length >= opts.nodes.length;
  });
  await labelNodes(core, c.real);
  await waitFor('service account default/default', c.deadline, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
    return true;
  });
}
