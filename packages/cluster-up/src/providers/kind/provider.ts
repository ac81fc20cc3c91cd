import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { API_VERSION, conflict, doc, notFound, writeFileAtomic, type Cluster, type Runner } from '@iwp/core';
import type { ClusterEntry, ClusterRef, Provider } from '../types.js';
import { checkTools, kindClusters, kindGateway, kindNodeStates } from './docker.js';
import { CERTS_D, hostsToml, isLoopback, kindPlan, mirrorEndpoint, type KindPlan } from './plan.js';

interface KindRecord { name: string; registry?: string; hostAddress?: string }
const recordFile = (dir: string) => join(dir, 'kind.json');
const readRecord = async (dir: string) => {
  const text = await readFile(recordFile(dir), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as KindRecord);
};

/** Writes the registry's hosts.toml into every node (containerd reads it on the next pull). */
async function mirrorRegistry(run: Runner, plan: KindPlan, nodes: string[], hostAddress: string | undefined): Promise<void> {
  const dir = `${CERTS_D}/${plan.registry!}`;
  for (const node of nodes) {
    await run('docker', ['exec', '-i', node, 'sh', '-c', `mkdir -p '${dir}' && cat > '${dir}/hosts.toml'`], { input: hostsToml(plan.registry!, hostAddress) });
  }
}

/** The cluster as docker runs it: a node is ready when its container runs (`readiness: containers`). */
async function status(run: Runner, ref: ClusterRef): Promise<Cluster> {
  const rec = await readRecord(ref.stateDir);
  if (!(await kindClusters(run)).includes(ref.name)) throw notFound(`kind cluster ${ref.name} (kind get clusters)`);
  const nodes = (await kindNodeStates(run, ref.name)).map((n) => ({
    name: n.name, role: /-control-plane\d*$/.test(n.name) ? 'control-plane' : 'worker', ready: n.running,
  }));
  return {
    ...doc('Cluster', { name: ref.name, provider: 'kind', kubeconfig: join(ref.stateDir, 'kubeconfig'), context: `kind-${ref.name}`, nodes }),
    readiness: 'containers',
    // where the nodes reach the registry (the kind network's gateway for a loopback one)
    ...(rec?.registry ? { registry: rec.registry, registryEndpoint: mirrorEndpoint(rec.registry, rec.hostAddress) } : {}),
  } as Cluster;
}

async function list(run: Runner, dirs: string[]): Promise<ClusterEntry[]> {
  const out: ClusterEntry[] = [];
  const running = dirs.length ? await kindClusters(run).catch(() => undefined) : [];
  for (const dir of dirs) {
    const name = (await readRecord(dir))?.name ?? dir.split('/').pop()!;
    const entry = { name, provider: 'kind' as const, stateDir: dir, kubeconfig: join(dir, 'kubeconfig') };
    if (!running) out.push({ ...entry, running: false, detail: 'kind get clusters failed' });
    else if (!running.includes(name)) out.push({ ...entry, running: false, detail: 'kind does not know it' });
    else out.push({ ...entry, running: (await kindNodeStates(run, name)).every((n) => n.running) });
  }
  return out;
}

/** kind: nodes are Docker containers made by the `kind` CLI. */
export function kindProvider(): Provider<KindPlan> {
  return {
    name: 'kind',
    plan: kindPlan,
    async create(plan, ctx) {
      await checkTools(ctx.run);
      if (await readRecord(plan.stateDir)) throw conflict(`cluster ${plan.name} already exists (state in ${plan.stateDir})`);
      await mkdir(plan.stateDir, { recursive: true });
      const hostAddress = plan.registry && isLoopback(plan.registry) ? await kindGateway(ctx.run) : undefined;
      const config = join(plan.stateDir, 'kind.yaml');
      await writeFileAtomic(config, stringify(plan.kindConfig));
      await writeFileAtomic(recordFile(plan.stateDir), `${JSON.stringify({ name: plan.name, registry: plan.registry, hostAddress }, null, 2)}\n`);
      const kubeconfig = join(plan.stateDir, 'kubeconfig');
      ctx.logger.info(`kind create cluster --name ${plan.name}`);
      try {
        await ctx.run('kind', ['create', 'cluster', '--name', plan.name, '--config', config, '--kubeconfig', kubeconfig, '--wait', `${Math.ceil(ctx.timeoutMs / 1000)}s`]);
        if (plan.registry) await mirrorRegistry(ctx.run, plan, (await kindNodeStates(ctx.run, plan.name)).map((n) => n.name), hostAddress);
        return await status(ctx.run, { name: plan.name, stateDir: plan.stateDir });
      } catch (err) {
        // kind removes a cluster whose create failed; one whose mirror failed is removed here
        await ctx.run('kind', ['delete', 'cluster', '--name', plan.name, '--kubeconfig', kubeconfig], { reject: false }).catch(() => undefined);
        await rm(plan.stateDir, { recursive: true, force: true });
        throw err;
      }
    },
    status: (ref, ctx) => status(ctx.run, ref),
    async delete(ref, ctx) {
      await checkTools(ctx.run);
      const existed = (await kindClusters(ctx.run)).includes(ref.name);
      if (existed) await ctx.run('kind', ['delete', 'cluster', '--name', ref.name, '--kubeconfig', join(ref.stateDir, 'kubeconfig')]);
      await rm(ref.stateDir, { recursive: true, force: true });
      return { apiVersion: API_VERSION, kind: 'ClusterDeletion', provider: 'kind', name: ref.name, removed: existed };
    },
    list: (dirs, ctx) => list(ctx.run, dirs),
    owns: async (dir) => (await readRecord(dir)) !== undefined,
  };
}
