import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { badInput, cacheDir, ErrorCode, IwpError, type Cluster } from '@iwp/core';
import { PROVIDERS, providers, type ClusterDeletion, type ClusterEntry, type ClusterPlan, type ClusterRef, type ClusterRequest, type ProviderContext, type ProviderName } from './providers/index.js';

/** A cluster's state dir: the one given, else `~/.cache/iwp/clusters/NAME`. */
export const clusterStateDir = (name: string, stateDir?: string) => stateDir ?? cacheDir('clusters', name);

export function providerName(name: string | undefined): ProviderName {
  const p = name ?? 'local';
  if (p === 'vm') throw new IwpError(ErrorCode.FAILED, 'provider vm: design only (see the cluster-up README); local, kind and ec2 are available');
  if (!(PROVIDERS as readonly string[]).includes(p)) throw badInput('--provider', `one of ${PROVIDERS.join(', ')}`, p);
  return p as ProviderName;
}

/** Checks the request and returns what create would make, without doing anything. */
export async function planCluster(req: ClusterRequest): Promise<ClusterPlan> {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(req.name)) throw badInput('--name', 'a DNS label (a-z, 0-9, -)', req.name);
  if (req.nodes !== undefined && (!Number.isInteger(req.nodes) || req.nodes < 1 || req.nodes > 100)) throw badInput('--nodes', '1..100', req.nodes);
  return (await providers[req.provider]()).plan(req);
}

/** Plans, then (unless `dryRun`) creates: the `ClusterPlan` or the new cluster's `Cluster`. */
export async function createCluster(req: ClusterRequest, ctx: ProviderContext, dryRun = false): Promise<ClusterPlan | Cluster> {
  const plan = await planCluster(req);
  if (dryRun) return plan;
  return (await providers[req.provider]()).create(plan, ctx);
}

export async function clusterStatus(provider: ProviderName, ref: ClusterRef, ctx: ProviderContext): Promise<Cluster> {
  return (await providers[provider]()).status(ref, ctx);
}

export async function deleteCluster(provider: ProviderName, ref: ClusterRef, ctx: ProviderContext): Promise<ClusterDeletion> {
  return (await providers[provider]()).delete(ref, ctx);
}

/**
 * The clusters made from this machine (the state dirs under `base`), each asked of its
 * provider: local ones by their processes and API, kind ones by kind, ec2 ones by EC2.
 */
export async function listClusters(ctx: ProviderContext, base = cacheDir('clusters')): Promise<ClusterEntry[]> {
  const dirs: string[] = [];
  for (const name of (await readdir(base).catch(() => [] as string[])).sort()) {
    if ((await stat(join(base, name)).catch(() => undefined))?.isDirectory()) dirs.push(join(base, name));
  }
  const loaded = await Promise.all(PROVIDERS.map(async (p) => providers[p]()));
  const mine = new Map<ProviderName, string[]>(PROVIDERS.map((p) => [p, []]));
  for (const dir of dirs) {
    const owner = (await Promise.all(loaded.map(async (p) => ((await p.owns(dir)) ? p.name : undefined)))).find(Boolean);
    // a dir no provider recognises is what a failed local create left (its logs)
    mine.get(owner ?? 'local')!.push(dir);
  }
  const entries = (await Promise.all(loaded.map((p) => p.list(mine.get(p.name)!, ctx)))).flat();
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}
