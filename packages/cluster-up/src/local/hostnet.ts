import type { Runner } from '@iwp/core';
import type { NetPlan, NodeNet } from './netplan.js';

/**
 * The network of a cluster's real nodes on this machine. Each node is a network namespace
 * (as a kind node is a container): its link (eth0) sits on the cluster's host bridge, and its
 * pod bridge, kube-proxy's and kubelet's iptables rules and the pods' veths all live inside
 * the namespace, so they vanish with it and never meet another cluster's. The host only gets
 * the bridge and routes to the pod and service ranges (to reach pod IPs and ClusterIPs);
 * nodes have no default route, so nothing a pod sends is routed off the machine.
 */
const ip = (run: Runner, args: string[]) => run('ip', args);

/** Runs a shell snippet inside a network namespace (sysctls there are per namespace). */
export function inNetns(run: Runner, netns: string, script: string) {
  return run('nsenter', [`--net=/run/netns/${netns}`, '--', 'sh', '-ec', script]);
}

export async function createHostBridge(run: Runner, plan: NetPlan): Promise<void> {
  await ip(run, ['link', 'add', plan.hostBridge, 'type', 'bridge']);
  await ip(run, ['addr', 'add', `${plan.hostIp}/${plan.linkPrefix}`, 'dev', plan.hostBridge]);
  await ip(run, ['link', 'set', plan.hostBridge, 'up']);
}

/** A node's namespace, its link to the host bridge, its routes and the host's routes to it. */
export async function createNodeNet(run: Runner, plan: NetPlan, node: NodeNet, all: NodeNet[]): Promise<void> {
  await ip(run, ['netns', 'add', node.netns]);
  await ip(run, ['link', 'add', node.hostVeth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', node.netns]);
  await ip(run, ['link', 'set', node.hostVeth, 'master', plan.hostBridge, 'up']);
  const routes = all
    .filter((o) => o.index !== node.index)
    .map((o) => `ip route add ${o.podCidr} via ${o.ip}`);
  await inNetns(run, node.netns, [
    'ip link set lo up',
    `ip addr add ${node.ip}/${plan.linkPrefix} dev eth0`,
    'ip link set eth0 up',
    // ClusterIPs are DNATed by kube-proxy after the route lookup: they need a route to exist
    `ip route add ${plan.serviceCidr} dev eth0`,
    ...routes,
    'echo 1 > /proc/sys/net/ipv4/ip_forward',
    // replies between pods on one bridge must pass conntrack to undo a Service's DNAT
    'if [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]; then echo 1 > /proc/sys/net/bridge/bridge-nf-call-iptables; fi',
  ].join('\n'));
  await ip(run, ['route', 'add', node.podCidr, 'via', node.ip]);
  if (node.index === 1) await ip(run, ['route', 'add', plan.serviceCidr, 'via', node.ip]);
}

/** Removes a node's namespace (with it its link, pod bridge, veths and iptables rules). */
export async function deleteNodeNet(run: Runner, node: NodeNet): Promise<void> {
  await run('ip', ['netns', 'del', node.netns], { reject: false });
  // the host end goes with its peer; a half-made node may have left it behind
  await run('ip', ['link', 'del', node.hostVeth], { reject: false });
}

export async function deleteHostBridge(run: Runner, plan: NetPlan): Promise<void> {
  await run('ip', ['link', 'del', plan.hostBridge], { reject: false });
}

/** True when the host already routes or holds an address in the plan's ranges. */
export async function rangesInUse(run: Runner, plan: NetPlan): Promise<boolean> {
  const prefix = (cidr: string) => new RegExp(`(^|[^0-9.])${cidr.split('.').slice(0, 2).join('\\.')}\\.`, 'm');
  const [routes, addrs, links] = await Promise.all([
    run('ip', ['-4', 'route', 'show', 'table', 'all'], { reject: false }),
    run('ip', ['-4', '-o', 'addr'], { reject: false }),
    run('ip', ['-o', 'link', 'show', plan.hostBridge], { reject: false }),
  ]);
  const text = `${routes.stdout}\n${addrs.stdout}`;
  return links.exitCode === 0 || prefix(plan.podCidr).test(text) || prefix(plan.serviceCidr).test(text);
}
