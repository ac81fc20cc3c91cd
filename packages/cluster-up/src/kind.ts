import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { doc, ErrorCode, IwpError, writeFileAtomic, type Cluster, type Environment, type Runner } from '@iwp/core';

/** The kind node image of a Kubernetes version. */
export const kindImage = (version: string) => `kindest/node:${version}`;

/**
 * A kind cluster config from the descriptor: one kind node per requested node with its
 * labels, and containerd told to use the local registry (as the seed wired its registry).
 */
export function kindConfig(env: Environment): Record<string, unknown> {
  const image = kindImage(env.kubernetes.version);
  const nodes = env.nodes.flatMap((n) =>
    Array.from({ length: n.count }, () => ({
      role: n.role,
      image,
      ...(n.labels && Object.keys(n.labels).length ? { labels: n.labels } : {}),
    })),
  );
  const registry = env.registry ?? undefined;
  return {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: env.name,
    nodes,
    ...(registry
      ? { containerdConfigPatches: [`[plugins."io.containerd.grpc.v1.cri".registry.mirrors."${registry}"]\n  endpoint = ["http://${registry}"]`] }
      : {}),
  };
}

/** `kind create cluster` with the generated config; docker and kind must be there. */
export async function createKind(run: Runner, name: string, config: Record<string, unknown>, stateDir: string): Promise<Cluster> {
  for (const tool of ['docker', 'kind']) {
    const r = await run(tool, ['version'], { reject: false }).catch(() => ({ exitCode: 127, stdout: '', stderr: '' }));
    if (r.exitCode !== 0) {
      throw new IwpError(ErrorCode.FAILED, `provider kind needs ${tool}, which is ${r.exitCode === 127 ? 'not installed' : 'not working'} here`, {
        hint: tool === 'docker' ? 'kind runs its nodes as Docker containers: install and start Docker, or use --provider local' : 'install kind (go install sigs.k8s.io/kind@latest)',
      });
    }
  }
  await mkdir(stateDir, { recursive: true });
  const file = join(stateDir, 'kind.yaml');
  await writeFileAtomic(file, stringify(config));
  const kubeconfig = join(stateDir, 'kubeconfig');
  await run('kind', ['create', 'cluster', '--name', name, '--config', file, '--kubeconfig', kubeconfig, '--wait', '120s']);
  return doc('Cluster', { name, provider: 'kind', kubeconfig, context: `kind-${name}` });
}
