import type { EC2Client, Filter } from '@aws-sdk/client-ec2';
import { setTimeout as sleep } from 'node:timers/promises';
import { TAG } from './plan.js';

import { callCount, sender } from './client.js';
import { ec2Sdk } from './sdk.js';

export interface Leftovers {
  instances: string[];
  keyPairs: string[];
  securityGroups: string[];
  subnets: string[];
  routeTables: string[];
  internetGateways: string[];
  vpcs: string[];
}

const byTag = (name: string): Filter[] => [{ Name: `tag:${TAG}`, Values: [name] }];

/** Every resource tagged with the cluster's name that still exists (terminated instances excluded). */
export async function findTagged(ec2: EC2Client, name: string): Promise<Leftovers> {
  const s = ec2Sdk();
  const res = await ec2.send(new s.DescribeInstancesCommand({ Filters: [...byTag(name), { Name: 'instance-state-name', Values: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'] }] }));
  return {
    instances: (res.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId!),
    keyPairs: ((await ec2.send(new s.DescribeKeyPairsCommand({ Filters: byTag(name) }))).KeyPairs ?? []).map((k) => k.KeyName!),
    securityGroups: ((await ec2.send(new s.DescribeSecurityGroupsCommand({ Filters: byTag(name) }))).SecurityGroups ?? []).map((g) => g.GroupId!),
    subnets: ((await ec2.send(new s.DescribeSubnetsCommand({ Filters: byTag(name) }))).Subnets ?? []).map((x) => x.SubnetId!),
    routeTables: ((await ec2.send(new s.DescribeRouteTablesCommand({ Filters: byTag(name) }))).RouteTables ?? []).map((x) => x.RouteTableId!),
    internetGateways: ((await ec2.send(new s.DescribeInternetGatewaysCommand({ Filters: byTag(name) }))).InternetGateways ?? []).map((x) => x.InternetGatewayId!),
    vpcs: ((await ec2.send(new s.DescribeVpcsCommand({ Filters: byTag(name) }))).Vpcs ?? []).map((x) => x.VpcId!),
  };
}

export function count(l: Leftovers): number {
  return Object.values(l).reduce((n, xs: string[]) => n + xs.length, 0);
}

/** Retries an AWS call while it fails with DependencyViolation (what is in the way is still going away). */
async function retrying(what: string, fn: () => Promise<unknown>, log: (m: string) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await fn();
      return;
    } catch (err) {
      const name = (err as Error).name;
      if (/NotFound/.test(name)) return; // already gone
      if (name !== 'DependencyViolation' || attempt >= 20) throw err;
      log(`${what}: DependencyViolation, retrying`);
      await sleep(Math.min(10_000, 500 * 1.5 ** attempt));
    }
  }
}

/**
 * Deletes everything tagged with the cluster's name, in dependency order: instances (and
 * waits until terminated), key pairs, security groups, subnets, route tables (associations
 * first), internet gateways (detached first), VPCs. Idempotent: what is gone is skipped.
 */
export async function teardown(ec2: EC2Client, name: string, log: (m: string) => void = () => undefined): Promise<{ deleted: number; calls: number }> {
  const s = ec2Sdk();
  const before = callCount(ec2);
  const send = sender(ec2);
  const found = await findTagged(ec2, name);
  if (found.instances.length) {
    await send(new s.TerminateInstancesCommand({ InstanceIds: found.instances }));
    for (let i = 0; i < 120; i++) {
      const r = await send(new s.DescribeInstancesCommand({ InstanceIds: found.instances }));
      const live = ((r.Reservations ?? []) as Array<{ Instances?: Array<{ State?: { Name?: string } }> }>).flatMap((x) => x.Instances ?? []).filter((x) => x.State?.Name !== 'terminated');
      if (!live.length) break;
      await sleep(2000);
    }
  }
  for (const k of found.keyPairs) await retrying(`key pair ${k}`, () => send(new s.DeleteKeyPairCommand({ KeyName: k })), log);
  for (const g of found.securityGroups) await retrying(`security group ${g}`, () => send(new s.DeleteSecurityGroupCommand({ GroupId: g })), log);
  for (const x of found.subnets) await retrying(`subnet ${x}`, () => send(new s.DeleteSubnetCommand({ SubnetId: x })), log);
  for (const rt of found.routeTables) {
    const d = await send(new s.DescribeRouteTablesCommand({ RouteTableIds: [rt] })).catch(() => undefined);
    for (const a of (d?.RouteTables?.[0]?.Associations ?? []) as Array<{ Main?: boolean; RouteTableAssociationId?: string }>) {
      if (!a.Main && a.RouteTableAssociationId) await retrying(`association ${a.RouteTableAssociationId}`, () => send(new s.DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId })), log);
    }
    await retrying(`route table ${rt}`, () => send(new s.DeleteRouteTableCommand({ RouteTableId: rt })), log);
  }
  for (const igw of found.internetGateways) {
    const d = await send(new s.DescribeInternetGatewaysCommand({ InternetGatewayIds: [igw] })).catch(() => undefined);
    for (const a of (d?.InternetGateways?.[0]?.Attachments ?? []) as Array<{ VpcId?: string }>) {
      await retrying(`detach ${igw}`, () => send(new s.DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: a.VpcId })), log);
    }
    await retrying(`internet gateway ${igw}`, () => send(new s.DeleteInternetGatewayCommand({ InternetGatewayId: igw })), log);
  }
  for (const v of found.vpcs) await retrying(`vpc ${v}`, () => send(new s.DeleteVpcCommand({ VpcId: v })), log);
  return { deleted: count(found), calls: callCount(ec2) - before };
}
