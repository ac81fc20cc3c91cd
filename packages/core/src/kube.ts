import { createRequire } from 'node:module';
import type { KubeConfig, KubernetesObjectApi, KubernetesObject } from '@kubernetes/client-node';
import type { Cluster } from './documents.js';
import { ErrorCode, IwpError } from './errors.js';

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
export function loadKubeConfig(cluster?: Pick<Cluster, 'kubeconfig' | 'context'>, context?: string, source = '--kubeconfig'): KubeConfig {
  const kc = new (kubeClientNode().KubeConfig)();
  try {
    if (cluster) kc.loadFromFile(cluster.kubeconfig);
    else kc.loadFromDefault();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const path = (err as NodeJS.ErrnoException).path ?? cluster?.kubeconfig ?? process.env.KUBECONFIG;
    throw new IwpError(ErrorCode.FILE_NOT_FOUND, `${cluster ? source : '$KUBECONFIG'}: ${path}: no such file`);
  }
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

/**
 * True for API groups served by Kubernetes itself (core, `apps`, `*.k8s.io`, ...), whose
 * kinds @kubernetes/client-node has models for.
 */
export function isBuiltinGroup(apiVersion: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
  return !group.includes('.') || group.endsWith('.k8s.io');
}

/**
 * Server-side apply of each object, in order, as `kubectl apply --server-side` does.
 * Custom resources go through the custom-objects API: the generic client serializes by
 * `<Version><Kind>` and would take a Knative `serving.knative.dev/v1` Service for a core
 * `v1` Service, dropping its spec.
 */
export async function serverSideApply<T extends KubernetesObject>(
  client: KubernetesObjectApi,
  objects: T[],
  opts: ApplyOptions = {},
  custom?: import('@kubernetes/client-node').CustomObjectsApi,
): Promise<T[]> {
  const k8s = kubeClientNode();
  const out: T[] = [];
  for (const obj of objects) {
    if (isBuiltinGroup(obj.apiVersion ?? 'v1') || !custom) {
      const applied = await client.patch(
        obj,
        undefined,
        opts.dryRun ? 'All' : undefined,
        opts.fieldManager ?? FIELD_MANAGER,
        opts.force ?? true,
        k8s.PatchStrategy.ServerSideApply,
      );
      out.push(applied as T);
      continue;
    }
    const [group, version] = obj.apiVersion!.split('/') as [string, string];
    // discovery (plural, scope) as the generic client does it; protected in its typings only
    const discover = client as unknown as { resource(apiVersion: string, kind: string): Promise<{ name: string; namespaced: boolean } | undefined> };
    const res = await discover.resource(obj.apiVersion!, obj.kind!);
    if (!res) throw new Error(`${obj.apiVersion} ${obj.kind}: not served by the cluster (are its CRDs installed?)`);
    const options = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply);
    const common = {
      group, version, plural: res.name, name: obj.metadata!.name!, body: obj,
      fieldManager: opts.fieldManager ?? FIELD_MANAGER, force: opts.force ?? true, ...(opts.dryRun ? { dryRun: 'All' } : {}),
    };
    const applied = res.namespaced
      ? await custom.patchNamespacedCustomObject({ ...common, namespace: obj.metadata?.namespace ?? 'default' }, options)
      : await custom.patchClusterCustomObject(common, options);
    out.push(applied as T);
  }
  return out;
}
