import { rm } from 'node:fs/promises';
import { API_VERSION, badInput, notFound, type Cluster } from '@iwp/core';
import type { ClusterEntry, ClusterRef, Provider, ProviderContext } from '../types.js';
import { awsClients, type AwsClients } from './clients.js';
import { createEc2, ec2Cluster } from './create.js';
import { byTag } from './find.js';
import { describeInstances } from './instances.js';
import { ec2Plan, type Ec2Plan } from './plan.js';
import { apiNodes, instanceNodes, readApiNodes } from './readiness.js';
import { readRecord } from './state-file.js';
import { teardown } from './teardown.js';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

async function regionOf(ref: ClusterRef): Promise<string> {
  const region = ref.region ?? (await readRecord(ref.stateDir))?.region ?? ref.defaultRegion;
  if (!region) throw badInput('--region', `the AWS region of cluster ${ref.name} (or AWS_REGION)`);
  return region;
}

/** Instances of the cluster that are not terminated, as EC2 reports them now. */
const liveInstances = async (c: AwsClients, name: string) =>
  (await describeInstances(c, { Filters: byTag(name) })).filter((i) => i.State?.Name !== 'terminated');

/**
 * The cluster as it is: its nodes Ready in the API when there is a kubeconfig and the API
 * answers (`readiness: api`), else its instances' state (`readiness: instances`).
 */
async function status(clients: (r: string) => AwsClients, ref: ClusterRef): Promise<Cluster> {
  const region = await regionOf(ref);
  const instances = await liveInstances(clients(region), ref.name);
  if (!instances.length) throw notFound(`ec2 cluster ${ref.name} in ${region} (no instance tagged iwp:cluster=${ref.name})`);
  const kubeconfig = join(ref.stateDir, 'kubeconfig');
  if (await stat(kubeconfig).then(() => true, () => false)) {
    try {
      return ec2Cluster(ref.name, ref.stateDir, region, apiNodes(instances, await readApiNodes(kubeconfig)), 'api');
    } catch (err) {
      return ec2Cluster(ref.name, ref.stateDir, region, instanceNodes(instances), 'instances', { apiError: (err as Error).message });
    }
  }
  return ec2Cluster(ref.name, ref.stateDir, region, instanceNodes(instances), 'instances');
}

/** Each recorded cluster with its instances' states as EC2 reports them now (by tag). */
async function list(clients: (r: string) => AwsClients, dirs: string[]): Promise<ClusterEntry[]> {
  const out: ClusterEntry[] = [];
  for (const dir of dirs) {
    const rec = await readRecord(dir);
    const name = dir.split('/').pop()!;
    if (!rec) continue;
    const entry = { name, provider: 'ec2' as const, stateDir: dir, region: rec.region, kubeconfig: join(dir, 'kubeconfig') };
    try {
      const instances = await describeInstances(clients(rec.region), { Filters: byTag(name) });
      const states: Record<string, number> = {};
      for (const i of instances) states[i.State?.Name ?? 'unknown'] = (states[i.State?.Name ?? 'unknown'] ?? 0) + 1;
      // running: every instance the create made runs now
      const made = (rec.resources.instances as string[] | undefined) ?? [];
      const down = made.filter((id) => instances.find((i) => i.InstanceId === id)?.State?.Name !== 'running');
      out.push({ ...entry, running: made.length > 0 && !down.length, instances: states, ...(down.length ? { detail: `not running: ${down.join(', ')}` } : {}) });
    } catch (err) {
      out.push({ ...entry, running: false, detail: `EC2: ${(err as Error).message}` });
    }
  }
  return out;
}

/** The ec2 provider; `clients` builds the AWS clients of a region (once per region). */
export function ec2Provider(makeClients: (region: string) => AwsClients = awsClients): Provider<Ec2Plan> {
  const cache = new Map<string, AwsClients>();
  const clients = (region: string) => cache.get(region) ?? cache.set(region, makeClients(region)).get(region)!;
  return {
    name: 'ec2',
    plan: ec2Plan,
    create: (plan, ctx: ProviderContext) =>
      createEc2(clients(plan.region), plan, { run: ctx.run, log: (m) => ctx.logger.info(m), deadline: Date.now() + ctx.timeoutMs }),
    status: (ref) => status(clients, ref),
    async delete(ref, ctx) {
      const region = await regionOf(ref);
      const r = await teardown(clients(region), ref.name, (m) => ctx.logger.info(m));
      await rm(ref.stateDir, { recursive: true, force: true });
      return { apiVersion: API_VERSION, kind: 'ClusterDeletion', provider: 'ec2', name: ref.name, region, ...r };
    },
    list: (dirs) => list(clients, dirs),
    owns: async (dir) => (await readRecord(dir)) !== undefined,
  };
}
