import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';

/**
 * What a cluster with real nodes can leave on the host, counted: processes of node programs,
 * mounts, network namespaces, links (bridges, veths), iptables and ip6tables rules and chains
 * in every table, and cgroups in every hierarchy. Equal counts before create and after delete
 * mean nothing was left behind.
 */
export interface Footprint {
  processes: number;
  mounts: number;
  netns: number;
  links: number;
  iptables: number;
  ip6tables: number;
  cgroups: number;
}

const NODE_PROGRAMS = new Set(['kubelet', 'containerd', 'containerd-shim', 'kube-proxy', 'coredns', 'socat', 'pause', 'runc']);

/** Live processes of node programs (a zombie holds nothing but its pid until its parent reaps it), as `pid comm`. */
export async function nodeProcesses(): Promise<string[]> {
  const found: string[] = [];
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p))) {
    const comm = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
    if (!NODE_PROGRAMS.has(comm)) continue;
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state && state !== 'Z' && state !== 'X') found.push(`${pid} ${comm}`);
  }
  return found;
}

async function countDirs(dir: string): Promise<number> {
  let n = 1;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) n += await countDirs(join(dir, e.name));
  return n;
}

async function rules(cmd: string): Promise<number> {
  const r = await execa(cmd, [], { reject: false });
  return r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).length;
}

export async function footprint(): Promise<Footprint> {
  const lines = async (cmd: string, args: string[]) => (await execa(cmd, args, { reject: false })).stdout.split('\n').filter(Boolean).length;
  const cgroupRoots = (await readFile('/proc/self/mountinfo', 'utf8'))
    .split('\n')
    .filter((l) => / - cgroup2? /.test(l))
    .map((l) => l.split(' ')[4]!);
  let cgroups = 0;
  for (const r of cgroupRoots) cgroups += await countDirs(r);
  return {
    processes: (await nodeProcesses()).length,
    mounts: (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter(Boolean).length,
    netns: await lines('ip', ['netns', 'list']),
    links: await lines('ip', ['-o', 'link']),
    iptables: await rules('iptables-save'),
    ip6tables: await rules('ip6tables-save'),
    cgroups,
  };
}

/**
 * The footprint once it equals `before`, or as it is after `withinMs`: processes killed by a
 * delete leave /proc as their parents reap them, which a loaded machine may take a moment to do.
 */
export async function settledFootprint(before: Footprint, withinMs = 10_000): Promise<Footprint> {
  const until = Date.now() + withinMs;
  for (;;) {
    const now = await footprint();
    if (JSON.stringify(now) === JSON.stringify(before) || Date.now() > until) return now;
    await new Promise((r) => setTimeout(r, 500));
  }
}
