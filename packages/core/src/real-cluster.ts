import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster } from './documents.js';
import { runProcess } from './runner.js';

type Teardown = { teardown(fn: () => unknown): void };

const cli = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cluster-up', 'bin', 'run.js');

/**
 * A local cluster with one real node (kubelet, containerd, runc, CNI, kube-proxy, CoreDNS),
 * made by the `cluster-up` CLI as a user makes it and deleted when the test ends; or, as a
 * string, why there is none here (the caller skips saying so).
 */
export async function realCluster(t: Teardown, name: string): Promise<Cluster | string> {
  const { IWP_REGISTRY: registry, IWP_K8S_BIN: binDir } = process.env;
  if (!registry || !binDir) return 'real nodes need IWP_REGISTRY and IWP_K8S_BIN (scripts/testenv up)';
  if (process.getuid?.() !== 0) return 'real nodes need root';
  const dir = await mkdtemp(join(tmpdir(), `iwp-${name}-`));
  const created = await runProcess('node', [cli, 'create', '--provider', 'local', '--name', name, '--nodes', '1', '--runtime', 'containerd',
    '--registry', registry, '--state-dir', dir, '--bin-dir', binDir, '--json'], { reject: false, stdin: 'ignore' });
  t.teardown(async () => {
    await runProcess('node', [cli, 'delete', name, '--state-dir', dir], { reject: false, stdin: 'ignore' }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });
  if (created.exitCode !== 0) {
    let why = created.stderr.trim().split('\n').at(-1);
    try {
      why = (JSON.parse(created.stdout) as { message: string }).message;
    } catch {
      // stderr's last line says it
    }
    return `real nodes not available: cluster-up create --runtime containerd failed: ${why}`;
  }
  return JSON.parse(created.stdout) as Cluster;
}
