import { mkdir, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IwpError, ErrorCode } from '@iwp/core';

/**
 * The addresses and names of one local cluster with real nodes. Every cluster on the machine
 * takes a slot `k` (0..MAX_SLOTS-1) and with it its own ranges and names, so two clusters
 * side by side never share a CIDR, a bridge, a network namespace or a cgroup:
 *   pods      10.(200+k).0.0/16, node i gets 10.(200+k).i.0/24 on its own pod bridge
 *   services  10.(96+k).0.0/16 (the API at .0.1, cluster DNS at .0.10)
 *   node link 10.(200+k).255.0/24 on the host bridge iwp<k>: the host is .254, node i is .i
 */
export interface NetPlan {
  slot: number;
  podCidr: string;
  serviceCidr: string;
  serviceIp: string;
  dnsIp: string;
  /** the host's address on the node link: pods reach host services here */
  hostIp: string;
  linkPrefix: number;
  hostBridge: string;
  /** cgroup parent of everything the cluster's nodes run */
  cgroup: string;
  /** tmpfs directory for sockets, the mount namespace handle and runtime state */
  runDir: string;
}

export interface NodeNet {
  index: number;
  name: string;
  netns: string;
  ip: string;
  podCidr: string;
  podGateway: string;
  /** host end of the node's link (enslaved to the host bridge) */
  hostVeth: string;
  podBridge: string;
}

export const MAX_SLOTS = 24;
const SLOTS_DIR = '/run/iwp/slots';

export function netPlan(slot: number): NetPlan {
  const a = 200 + slot;
  const s = 96 + slot;
  return {
    slot,
    podCidr: `10.${a}.0.0/16`,
    serviceCidr: `10.${s}.0.0/16`,
    serviceIp: `10.${s}.0.1`,
    dnsIp: `10.${s}.0.10`,
    hostIp: `10.${a}.255.254`,
    linkPrefix: 24,
    hostBridge: `iwp${slot}`,
    cgroup: `iwp${slot}`,
    runDir: `/run/iwp/${slot}`,
  };
}

/** Node `index` (1-based) of a cluster's plan. */
export function nodeNet(plan: NetPlan, index: number, name: string): NodeNet {
  if (index < 1 || index > 250) throw new IwpError(ErrorCode.BAD_INPUT, `nodes: at most 250 real nodes per cluster, got ${index}`);
  const a = 200 + plan.slot;
  return {
    index,
    name,
    netns: `iwp${plan.slot}-${name}`,
    ip: `10.${a}.255.${index}`,
    podCidr: `10.${a}.${index}.0/24`,
    podGateway: `10.${a}.${index}.1`,
    hostVeth: `iwp${plan.slot}n${index}`,
    podBridge: `iwpbr${plan.slot}`,
  };
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/**
 * Claims a free slot for a cluster whose state lives in `stateDir`: a file created with
 * O_EXCL under /run/iwp/slots names the owner. A slot whose owner's state dir is gone is
 * stale (a cluster removed by hand) and is taken over. `taken(slot)` lets the caller refuse
 * slots whose addresses the host already uses.
 */
export async function claimSlot(stateDir: string, taken: (p: NetPlan) => Promise<boolean>): Promise<NetPlan> {
  await mkdir(SLOTS_DIR, { recursive: true });
  for (let k = 0; k < MAX_SLOTS; k++) {
    const file = join(SLOTS_DIR, String(k));
    const owner = await readFile(file, 'utf8').catch(() => undefined);
    if (owner !== undefined) {
      if (owner.trim() === stateDir) return netPlan(k);
      if (await exists(join(owner.trim(), 'state.json'))) continue;
      await rm(file, { force: true });
    }
    if (await taken(netPlan(k))) continue;
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(`${stateDir}\n`);
      await fh.close();
      return netPlan(k);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
  }
  throw new IwpError(ErrorCode.CONFLICT, `no free network slot for another local cluster (${MAX_SLOTS} in use)`);
}

/** Frees the slot if `stateDir` owns it. */
export async function releaseSlot(slot: number, stateDir: string): Promise<void> {
  const file = join(SLOTS_DIR, String(slot));
  const owner = await readFile(file, 'utf8').catch(() => undefined);
  if (owner?.trim() === stateDir) await rm(file, { force: true });
}
