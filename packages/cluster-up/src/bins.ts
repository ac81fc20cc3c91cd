import { access, constants } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IwpError, ErrorCode, type Runner } from '@iwp/core';

export const LOCAL_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kubelet', 'kube-proxy'] as const;

/** The iwp checkout this package lives in. */
export function repoRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/** `scripts/k8s/build` of that checkout. */
export function buildScript(): string {
  return join(repoRoot(), 'scripts', 'k8s', 'build');
}

/**
 * The directory with the control-plane binaries: `--bin-dir`, else `$IWP_K8S_BIN`, else
 * whatever `scripts/k8s/build` prints (it builds once per version, then answers from cache).
 */
export async function resolveBinDir(run: Runner, flag?: string, version?: string): Promise<string> {
  let dir = flag ?? process.env.IWP_K8S_BIN;
  if (!dir) {
    const env = version ? { ...process.env, IWP_K8S_VERSION: version } : undefined;
    dir = (await run(buildScript(), [], { env })).stdout.trim().split('\n').pop() ?? '';
  }
  for (const b of LOCAL_BINARIES) {
    try {
      await access(join(dir, b), constants.X_OK);
    } catch {
      throw new IwpError(ErrorCode.NOT_FOUND, `--bin-dir: ${join(dir, b)} is missing (scripts/k8s/build makes it)`);
    }
  }
  return dir;
}
