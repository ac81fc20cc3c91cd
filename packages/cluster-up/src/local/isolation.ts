import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Runner } from '@iwp/core';

/**
 * The mount namespace and cgroup tree that hold everything a cluster's real nodes run.
 *
 * Mounts: containerd's overlay rootfs, kubelet's volumes and the pods' network-namespace
 * handles are made inside one persistent mount namespace (slave of the host's, so host mounts
 * are seen but ours never leak out); unmounting its handle drops them all at once.
 * Processes: containerd, its shims and containers, kubelet, kube-proxy and the helpers are all
 * in cgroups under `/<cluster cgroup>` in every hierarchy, so `delete` finds each of them,
 * whatever started it, and removes the cgroups once they are empty.
 */
export function mountNsHandle(runDir: string): string {
  return `${runDir}/mnt`;
}

export async function createMountNs(run: Runner, runDir: string): Promise<void> {
  await mkdir(runDir, { recursive: true });
  // the handle must sit on a private mount, or the kernel refuses to bind a namespace there
  await run('mount', ['--bind', runDir, runDir]);
  await run('mount', ['--make-private', runDir]);
  await writeFile(mountNsHandle(runDir), '');
  await run('unshare', [`--mount=${mountNsHandle(runDir)}`, '--propagation', 'slave', 'true']);
}

/** Mount points of the namespace (read by a process inside it). */
export async function mountsInNs(run: Runner, runDir: string): Promise<string[]> {
  const r = await run('nsenter', [`--mount=${mountNsHandle(runDir)}`, '--', 'cat', '/proc/self/mountinfo'], { reject: false });
  if (r.exitCode !== 0) return [];
  return r.stdout.split('\n').map((l) => l.split(' ')[4] ?? '').filter(Boolean);
}

/** Drops the namespace (and every mount made in it) and the private mount of the run dir. */
export async function deleteMountNs(run: Runner, runDir: string): Promise<void> {
  await run('umount', [mountNsHandle(runDir)], { reject: false });
  await run('umount', [runDir], { reject: false });
}

/** The mount points of every cgroup hierarchy (v1 controllers, named ones and cgroup2). */
export async function cgroupMounts(): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const out: string[] = [];
  for (const line of info.split('\n')) {
    const [pre, post] = line.split(' - ');
    const fstype = post?.split(' ')[0];
    if (fstype === 'cgroup' || fstype === 'cgroup2') out.push(pre!.split(' ')[4]!);
  }
  return out;
}

/**
 * Creates `/<path>` in every hierarchy. A v1 cpuset cgroup starts with no CPUs and memory
 * nodes, so each level copies its parent's before a process can join.
 */
export async function ensureCgroup(path: string): Promise<void> {
  for (const m of await cgroupMounts()) {
    let cur = m;
    for (const part of path.split('/').filter(Boolean)) {
      const parent = cur;
      cur = join(cur, part);
      await mkdir(cur, { recursive: true });
      if (m.endsWith('/cpuset')) {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) {
          const mine = (await readFile(join(cur, f), 'utf8').catch(() => '')).trim();
          if (!mine) await writeFile(join(cur, f), await readFile(join(parent, f), 'utf8'));
        }
      }
    }
  }
}

/** `cgroup.procs` files of `/<path>` in every hierarchy, for a process to join them all. */
export async function cgroupProcsFiles(path: string): Promise<string[]> {
  return (await cgroupMounts()).map((m) => join(m, path, 'cgroup.procs'));
}

async function walk(dir: string, visit: (d: string) => Promise<void>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) await walk(join(dir, e.name), visit);
  await visit(dir);
}

/** Every pid in any cgroup under `/<root>`, in any hierarchy. */
export async function cgroupPids(root: string): Promise<number[]> {
  const pids = new Set<number>();
  for (const m of await cgroupMounts()) {
    await walk(join(m, root), async (d) => {
      const text = await readFile(join(d, 'cgroup.procs'), 'utf8').catch(() => '');
      for (const p of text.split('\n')) if (p.trim()) pids.add(Number(p));
    });
  }
  return [...pids];
}

/** Kills every process under `/<root>` until none is left (or the deadline passes). */
export async function killCgroup(root: string, timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  const killed = new Set<number>();
  for (;;) {
    const pids = await cgroupPids(root);
    if (!pids.length) return [...killed];
    if (Date.now() > deadline) throw new Error(`processes still in cgroup /${root}: ${pids.join(' ')}`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.add(pid);
      } catch {
        // gone already
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Removes `/<root>` and its children (deepest first) in every hierarchy. */
export async function removeCgroups(root: string): Promise<void> {
  for (const m of await cgroupMounts()) {
    await walk(join(m, root), async (d) => {
      for (let i = 0; i < 20; i++) {
        try {
          await rmdir(d);
          return;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return;
          if (code !== 'EBUSY') throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    });
  }
}
