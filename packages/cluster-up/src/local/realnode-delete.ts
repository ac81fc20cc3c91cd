import { rm } from 'node:fs/promises';
import type { Runner } from '@iwp/core';
import { deleteHostBridge, deleteNodeNet } from './hostnet.js';
import { deleteMountNs, killCgroup, mountsInNs, removeCgroups } from './isolation.js';
import { releaseSlot, type NetPlan, type NodeNet } from './netplan.js';

export interface RealNodesDeletion {
  killed: number;
  podNetns: number;
}

/**
 * Removes everything a cluster's real nodes made, whatever state they are in: every process
 * in the cluster's cgroups (containerd, shims, containers, kubelet, kube-proxy, helpers), the
 * mount namespace with all mounts made in it, the pods' network-namespace handles, the nodes'
 * namespaces (and with them their links, bridges, veths and iptables rules), the host bridge,
 * the cgroups, the run dir and the network slot. Safe to call on a half-made cluster.
 */
export async function deleteRealNodes(run: Runner, stateDir: string, plan: NetPlan, nodes: NodeNet[]): Promise<RealNodesDeletion> {
  const killed = await killCgroup(plan.cgroup);
  // pods' namespace handles (containerd names them cni-<uuid>) are mounted in our namespace
  // only, their files are on the host's /run; other netns mounts here are the host's, seen
  // through propagation
  const podNetns = (await mountsInNs(run, plan.runDir)).filter((m) => m.startsWith('/run/netns/cni-'));
  await deleteMountNs(run, plan.runDir);
  for (const f of podNetns) await rm(f, { force: true });
  for (const n of nodes) await deleteNodeNet(run, n);
  await deleteHostBridge(run, plan);
  await removeCgroups(plan.cgroup);
  await rm(plan.runDir, { recursive: true, force: true });
  await releaseSlot(plan.slot, stateDir);
  return { killed: killed.length, podNetns: podNetns.length };
}
