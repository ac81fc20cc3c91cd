import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { IwpError, ErrorCode, type Runner } from '@iwp/core';
import { repoRoot } from '../bins.js';
import type { NodeTools } from './realnode.js';

/** Where Debian's packages put a real node's programs (containerd, runc, CNI plugins, socat). */
export function defaultNodeTools(binDir: string, env: NodeJS.ProcessEnv = process.env): NodeTools {
  return {
    containerd: env.IWP_CONTAINERD ?? '/usr/bin/containerd',
    runc: env.IWP_RUNC ?? '/usr/sbin/runc',
    cniBinDir: env.IWP_CNI_BIN_DIR ?? '/usr/lib/cni',
    socat: '/usr/bin/socat',
    nsenter: '/usr/bin/nsenter',
    coredns: join(binDir, 'coredns'),
  };
}

const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];

/** Fails naming the first missing program, before anything is started. */
export async function checkNodeTools(t: NodeTools): Promise<void> {
  const want: [string, string][] = [
    ['containerd', t.containerd], ['runc', t.runc], ['socat', t.socat], ['nsenter', t.nsenter], ['coredns', t.coredns],
    ...CNI_PLUGINS.map((p): [string, string] => [`CNI plugin ${p}`, join(t.cniBinDir, p)]),
  ];
  for (const [what, path] of want) {
    try {
      await access(path, constants.X_OK);
    } catch {
      throw new IwpError(ErrorCode.FAILED, `real nodes need ${what}: ${path} is missing`, {
        hint: 'scripts/testenv up tools installs containerd, runc, containernetworking-plugins and socat; scripts/k8s/build builds coredns',
      });
    }
  }
  if (process.getuid?.() !== 0) {
    throw new IwpError(ErrorCode.FAILED, 'real nodes need root (network namespaces, mounts, cgroups); use runtime kwok for simulated nodes');
  }
}


/**
 * The pod sandbox image: nix/images/pause built and pushed by nix-image (nothing is rebuilt
 * or uploaded when it is already there), referenced by digest.
 */
export async function ensureSandboxImage(run: Runner, registry: string): Promise<string> {
  const root = repoRoot();
  const r = await run(process.execPath, [
    join(root, 'packages', 'nix-image', 'bin', 'run.js'), 'build', join(root, 'nix', 'images', 'pause'),
    '--push', `${registry}/iwp/pause:1.0`, '--json', '--quiet',
  ], { reject: false });
  if (r.exitCode !== 0) {
    let why = r.stderr.trim().split('\n').pop() ?? '';
    try {
      why = (JSON.parse(r.stdout) as { message: string }).message;
    } catch {
      // not a document: stderr's last line says it
    }
    throw new IwpError(ErrorCode.FAILED, `sandbox image: nix-image could not push to ${registry}: ${why}`);
  }
  const doc = JSON.parse(r.stdout) as { repository: string; digest: string };
  return `${doc.repository}@${doc.digest}`;
}
