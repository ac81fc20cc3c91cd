import { KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from './documents.js';

/**
 * The cluster to talk to: a `Cluster` document from stdin (cluster-up's output), else
 * KUBECONFIG / ~/.kube/config as kubectl finds it. `context` overrides the current context.
 */
export function loadKubeConfig(cluster?: Pick<Cluster, 'kubeconfig' | 'context'>, context?: string): KubeConfig {
  const kc = new KubeConfig();
  if (cluster) kc.loadFromFile(cluster.kubeconfig);
  else kc.loadFromDefault();
  const ctx = context ?? cluster?.context;
  if (ctx) kc.setCurrentContext(ctx);
  return kc;
}

export const FIELD_MANAGER = 'iwp';

export interface ApplyOptions {
  fieldManager?: string;
  dryRun?: boolean;
  force?: boolean;
}

/** Server-side apply of each object, in order, as `kubectl apply --server-side` does. */
export async function serverSideApply<T extends KubernetesObject>(
  client: KubernetesObjectApi,
  objects: T[],
  opts: ApplyOptions = {},
): Promise<T[]> {
  const out: T[] = [];
  for (const obj of objects) {
    const applied = await client.patch(
      obj,
      undefined,
      opts.dryRun ? 'All' : undefined,
      opts.fieldManager ?? FIELD_MANAGER,
      opts.force ?? true,
      PatchStrategy.ServerSideApply,
    );
    out.push(applied as T);
  }
  return out;
}
