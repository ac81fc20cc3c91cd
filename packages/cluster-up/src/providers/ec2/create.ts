import type { Instance } from '@aws-sdk/client-ec2';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { conflict, doc, ErrorCode, IwpError, timedOut, type Cluster, type Runner } from '@iwp/core';
import type { AwsClients } from './clients.js';
import { count, findTagged } from './find.js';
import { createIdentity } from './identity.js';
import { checkAmi, createKeyPair, launchNodes, waitRunning } from './instances.js';
import { fetchKubeconfig } from './kubeconfig.js';
import { createNetwork, createSecurityGroup } from './network.js';
import type { Ec2Plan } from './plan.js';
import { apiNodes, instanceNodes, readApiNodes, type Readiness } from './readiness.js';
import { writeRecord } from './state-file.js';
import { teardown } from './teardown.js';

export interface Ec2Steps {
  run: Runner;
  log: (m: string) => void;
  deadline: number;
}

/** The Cluster document of an ec2 cluster, with where its readiness came from. */
export function ec2Cluster(name: string, stateDir: string, region: string, nodes: NonNullable<Cluster['nodes']>, readiness: Readiness, extra: Record<string, unknown> = {}): Cluster {
  return {
    ...doc('Cluster', { name, provider: 'ec2', kubeconfig: join(stateDir, 'kubeconfig'), context: `iwp-${name}`, nodes }),
    region, readiness, ...extra,
  } as Cluster;
}

/** Fetches the kubeconfig, then waits until every instance is a Ready node in the API. */
async function waitApiReady(plan: Ec2Plan, s: Ec2Steps, instances: Instance[], server: string, keyFile: string) {
  const host = new URL(server).hostname;
  const kubeconfig = join(plan.stateDir, 'kubeconfig');
  await fetchKubeconfig(s.run, { host, keyFile, out: kubeconfig, server, context: `iwp-${plan.name}`, deadline: s.deadline });
  for (;;) {
    const nodes = apiNodes(instances, await readApiNodes(kubeconfig).catch(() => []));
    if (nodes.every((n) => n.ready)) return nodes;
    if (Date.now() > s.deadline) throw timedOut(`nodes of ${plan.name} not Ready in the API (${nodes.filter((n) => !n.ready).map((n) => n.name).join(', ')})`);
    await sleep(5000);
  }
}

async function build(c: AwsClients, plan: Ec2Plan, s: Ec2Steps): Promise<Cluster> {
  await mkdir(plan.stateDir, { recursive: true });
  const net = await createNetwork(c, plan, s.log);
  const securityGroup = await createSecurityGroup(c, plan, net.vpc);
  const { keyPair, keyFile } = await createKeyPair(c, plan);
  await checkAmi(c, plan);
  const identity = await createIdentity(c, plan);
  s.log(`stored the k3s token in SSM ${plan.names.parameter}; instance profile ${identity.instanceProfile}`);
  const ids = await launchNodes(c, { plan, keyPair, securityGroup, subnets: net.subnets, instanceProfile: identity.instanceProfile }, s.log);
  const instances = await waitRunning(c, ids, Math.max(1000, s.deadline - Date.now()));
  const resources = {
    ...net, securityGroup, keyPair, parameter: plan.names.parameter, role: plan.names.role, policy: identity.policyArn,
    instanceProfile: identity.instanceProfile, instances: ids,
  };
  await writeRecord(plan.stateDir, { region: plan.region, resources });
  const publicIp = instances.find((i) => i.InstanceId === ids[0])?.PublicIpAddress;
  const server = publicIp ? `https://${publicIp}:6443` : undefined;
  const extra = { resources, sshKey: keyFile, ...(server ? { server } : {}) };
  if (!plan.waitApi) return ec2Cluster(plan.name, plan.stateDir, plan.region, instanceNodes(instances), 'instances', extra);
  if (!server) throw new IwpError(ErrorCode.FAILED, 'the k3s server has no public address');
  return ec2Cluster(plan.name, plan.stateDir, plan.region, await waitApiReady(plan, s, instances, server, keyFile), 'api', extra);
}

/**
 * Makes the cluster's network, security group, key pair, token parameter and instance role,
 * then the k3s instances, every resource tagged `iwp:cluster=<name>`. When anything fails,
 * everything made so far is deleted again.
 */
export async function createEc2(c: AwsClients, plan: Ec2Plan, s: Ec2Steps): Promise<Cluster> {
  const before = c.calls();
  const existing = count(await findTagged(c, plan.name));
  if (existing) throw conflict(`cluster ${plan.name} already exists in ${plan.region} (${existing} resources)`, { hint: `cluster-up delete ${plan.name} --provider ec2` });
  try {
    const cluster = await build(c, plan, s);
    return { ...cluster, calls: c.calls() - before } as Cluster;
  } catch (err) {
    s.log(`create failed (${(err as Error).message}): deleting what was made`);
    try {
      await teardown(c, plan.name, s.log);
      await rm(plan.stateDir, { recursive: true, force: true });
    } catch (e) {
      // the state dir stays: its record and key help the delete that has to follow
      s.log(`cleanup failed: ${(e as Error).message}; run cluster-up delete ${plan.name} --provider ec2`);
    }
    throw err;
  }
}
