import { mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IwpError, ErrorCode, writeFileAtomic, type Runner } from '@iwp/core';
import type { Pki } from './certs.js';
import { issueCert } from './certs.js';
import { createHostBridge, createNodeNet } from './hostnet.js';
import { cgroupProcsFiles, createMountNs, ensureCgroup, mountNsHandle } from './isolation.js';
import { writeKubeconfig } from './kubeconfig.js';
import { nodeNet, type NetPlan, type NodeNet } from './netplan.js';
import { containerdConfig, cniConfig, corefile, kubeletConfig, kubeProxyConfig } from './nodeconf.js';
import { nodePaths } from './node-paths.js';
import type { NodeRequest } from './nodes.js';
import { aliveProcesses, sleep, startDetached, type ProcSpec } from './procs.js';

/** Programs a real node runs, besides kubelet and kube-proxy from the cluster's bin dir. */
export interface NodeTools {
  containerd: string;
  runc: string;
  cniBinDir: string;
  socat: string;
  nsenter: string;
  coredns: string;
}

export interface RealNodesInput {
  run: Runner;
  stateDir: string;
  clusterName: string;
  server: string;
  apiPort: number;
  binDir: string;
  tools: NodeTools;
  pki: Pki;
  plan: NetPlan;
  nodes: NodeRequest[];
  sandboxImage: string;
  /** host:port of registries on this machine's loopback that nodes pull from over HTTP */
  registries: string[];
  log: (msg: string) => void;
}

/** Process names of a real node, as recorded under the state dir. */
export const nodeProcs = (node: string) => [`${node}-containerd`, `${node}-kubelet`, `${node}-kube-proxy`];

export function realNodeNets(plan: NetPlan, nodes: NodeRequest[]): NodeNet[] {
  return nodes.map((n, i) => nodeNet(plan, i + 1, n.name));
}

/** The local port of a loopback registry (`127.0.0.1:5000` -> 5000), else undefined. */
export function loopbackPort(registry: string): number | undefined {
  const m = /^(?:127\.0\.0\.1|localhost):(\d+)$/.exec(registry);
  return m ? Number(m[1]) : undefined;
}

/**
 * Starts the cluster's real nodes: the host bridge, then per node its network namespace,
 * containerd, kubelet and kube-proxy (inside the node's namespace and the cluster's mount
 * namespace and cgroup), and cluster DNS on the first node. Host services on loopback (the
 * API server, the registry) are carried into each node by socat over unix sockets, since a
 * node's 127.0.0.1 is its own: the node, and its pods at the node's address, reach them on
 * the same port.
 */
export async function startRealNodes(o: RealNodesInput): Promise<NodeNet[]> {
  const { run, plan } = o;
  const nets = realNodeNets(plan, o.nodes);
  await createHostBridge(run, plan);
  await ensureCgroup(`${plan.cgroup}/host`);
  await createMountNs(run, plan.runDir);
  const ports = [o.apiPort, ...o.registries.map(loopbackPort).filter((p): p is number => p !== undefined)];
  for (const port of ports) {
    await start(o, `fwd-${port}`, `${plan.cgroup}/host`, undefined, o.tools.socat,
      [`UNIX-LISTEN:${plan.runDir}/fwd-${port}.sock,fork,mode=600`, `TCP:127.0.0.1:${port}`]);
  }
  for (const node of nets) await createNodeNet(run, plan, node, nets);
  for (const [i, node] of nets.entries()) {
    await startNode(o, node, o.nodes[i]!, ports);
  }
  await startDns(o, nets[0]!);
  return nets;
}

function wrapFor(o: RealNodesInput, node: NodeNet | undefined): string[] {
  const ns = node ? [o.tools.nsenter, `--mount=${mountNsHandle(o.plan.runDir)}`, `--net=/run/netns/${node.netns}`, '--'] : [];
  // join the cgroups first, then (for node processes) the node's namespaces, then exec
  return ['/bin/sh', '-c', 'for f in $IWP_CGROUP_PROCS; do echo $$ > "$f"; done; exec "$@"', 'iwp-node', ...ns];
}

async function start(o: RealNodesInput, name: string, cgroup: string, node: NodeNet | undefined, bin: string, args: string[]): Promise<void> {
  await ensureCgroup(cgroup);
  const spec: ProcSpec = {
    name, bin, args, wrap: wrapFor(o, node),
    env: { ...process.env, IWP_CGROUP_PROCS: (await cgroupProcsFiles(cgroup)).join(' ') } as Record<string, string>,
  };
  await startDetached(o.stateDir, spec);
}

/** Fails with the component's name and log when its process is gone. */
export async function checkAlive(stateDir: string, names: string[]): Promise<void> {
  const alive = await aliveProcesses(stateDir);
  const dead = names.find((n) => alive[n] === false);
  if (dead) {
    throw new IwpError(ErrorCode.FAILED, `${dead} exited; see ${join(stateDir, 'logs', `${dead}.log`)}`);
  }
}

async function waitForSocket(o: RealNodesInput, name: string, path: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await stat(path).then(() => true, () => false))) {
    await checkAlive(o.stateDir, [name]);
    if (Date.now() > deadline) throw new IwpError(ErrorCode.FAILED, `${name} did not open ${path}; see ${join(o.stateDir, 'logs', `${name}.log`)}`);
    await sleep(100);
  }
}

async function startNode(o: RealNodesInput, node: NodeNet, req: NodeRequest, ports: number[]): Promise<void> {
  const { plan, pki, run } = o;
  const p = nodePaths(o.stateDir, plan, node);
  const cg = `${plan.cgroup}/${node.name}`;
  o.log(`starting node ${node.name} (${node.ip}, pods ${node.podCidr})`);
  await mkdir(p.cniConfDir, { recursive: true });
  await mkdir(p.run, { recursive: true });
  await writeFile(p.resolvConf, '');
  await writeFileAtomic(`${p.cniConfDir}/10-iwp.conflist`, `${JSON.stringify(cniConfig(node, p), null, 2)}\n`);
  const sandboxImage = o.sandboxImage;
  await writeFileAtomic(`${p.dir}/containerd.toml`,
    containerdConfig(p, { sandboxImage, registries: o.registries, cniBinDir: o.tools.cniBinDir, runc: o.tools.runc }));
  const serving = await issueCert(run, pki, p.kubeletCerts, 'kubelet-serving', `/CN=${node.name}`, [`IP:${node.ip}`, `DNS:${node.name}`]);
  const client = await issueCert(run, pki, p.kubeletCerts, 'kubelet-client', `/O=system:nodes/CN=system:node:${node.name}`);
  const proxy = await issueCert(run, pki, p.kubeletCerts, 'kube-proxy', '/CN=system:kube-proxy');
  await writeKubeconfig(p.kubeletKubeconfig, o.clusterName, o.server, pki, client);
  await writeKubeconfig(p.proxyKubeconfig, o.clusterName, o.server, pki, proxy);
  const taints = (req.taints ?? []).map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect }));
  await writeFileAtomic(p.kubeletConfig, JSON.stringify(kubeletConfig(plan, node, p, {
    caFile: pki.caCert, certFile: serving.cert, keyFile: serving.key, cgroupRoot: `/${cg}`, taints,
  }), null, 2));
  await writeFileAtomic(p.proxyConfig, JSON.stringify(kubeProxyConfig(plan, node, p), null, 2));

  const sys = `${cg}/system`;
  for (const port of ports) {
    await start(o, `${node.name}-fwd-${port}`, sys, node, o.tools.socat,
      [`TCP-LISTEN:${port},bind=0.0.0.0,fork,reuseaddr`, `UNIX-CONNECT:${plan.runDir}/fwd-${port}.sock`]);
  }
  await start(o, `${node.name}-containerd`, sys, node, o.tools.containerd, ['--config', `${p.dir}/containerd.toml`]);
  await waitForSocket(o, `${node.name}-containerd`, p.containerdSock);
  const bin = (n: string) => join(o.binDir, n);
  await start(o, `${node.name}-kubelet`, sys, node, bin('kubelet'), [
    `--config=${p.kubeletConfig}`, `--kubeconfig=${p.kubeletKubeconfig}`, `--hostname-override=${node.name}`,
    `--node-ip=${node.ip}`, `--root-dir=${p.kubeletRoot}`, `--cert-dir=${p.kubeletCerts}`, '--v=1',
    ...labelFlag(req.labels ?? {}),
  ]);
  await start(o, `${node.name}-kube-proxy`, sys, node, bin('kube-proxy'), [`--config=${p.proxyConfig}`, '--v=1']);
}

/** kubelet may only set labels outside kubernetes.io/k8s.io itself; the rest is patched in. */
function labelFlag(labels: Record<string, string>): string[] {
  const own = Object.entries(labels).filter(([k]) => !/(^|\.)(kubernetes\.io|k8s\.io)\//.test(k));
  return own.length ? [`--node-labels=${own.map(([k, v]) => `${k}=${v}`).join(',')}`] : [];
}

async function startDns(o: RealNodesInput, node: NodeNet): Promise<void> {
  const dir = join(o.stateDir, 'coredns');
  await mkdir(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  const identity = await issueCert(o.run, o.pki, join(dir, 'pki'), 'coredns', '/CN=system:coredns');
  await writeKubeconfig(kubeconfig, o.clusterName, o.server, o.pki, identity);
  await writeFileAtomic(join(dir, 'Corefile'), corefile(kubeconfig));
  await start(o, 'coredns', `${o.plan.cgroup}/${node.name}/system`, node, o.tools.coredns, ['-conf', join(dir, 'Corefile')]);
}
