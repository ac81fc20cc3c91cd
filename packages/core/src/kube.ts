import { createRequire } from 'node:module';
import type { KubeConfig, KubernetesObjectApi, KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from './documents.js';

// @kubernetes/client-node takes about a second to load; tools that never talk to a cluster
// should not pay for it, so it is loaded on first use (Node 20.19+ can require ESM).
const require = createRequire(import.meta.url);
type ClientNode = typeof import('@kubernetes/client-node');
let clientNode: ClientNode | undefined;
export function kubeClientNode(): ClientNode {
  clientNode ??= require('@kubernetes/client-node') as ClientNode;
  return clientNode;
}

/**
 * The cluster to talk to: a `Cluster` document from stdin (cluster-up's output), else
 * KUBECONFIG / ~/.kube/config as kubectl finds it. `context` overrides the current context.
 */
export function loadKubeConfig(cluster?: Pick<Cluster, 'kubeconfig' | 'context'>, context?: string): KubeConfig {
  const kc = new (kubeClientNode().KubeConfig)();
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
      kubeClientNode().PatchStrategy.ServerSideApply,
    );
    out.push(applied as T);
  }
  return out;
}
