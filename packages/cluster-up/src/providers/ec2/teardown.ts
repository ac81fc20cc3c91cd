import {
  DeleteInternetGatewayCommand, DeleteKeyPairCommand, DeleteRouteTableCommand, DeleteSecurityGroupCommand, DeleteSubnetCommand,
  DeleteVpcCommand, DescribeInternetGatewaysCommand, DescribeRouteTablesCommand, DetachInternetGatewayCommand,
  DisassociateRouteTableCommand, TerminateInstancesCommand, waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';
import { withRetry } from '@iwp/core';
import type { AwsClients } from './clients.js';
import { count, findTagged } from './find.js';
import { deleteIdentity } from './identity.js';
import { ec2Names } from './plan.js';

/** Retries an AWS call while it fails with DependencyViolation (what is in the way is still going away). */
async function retrying(what: string, fn: () => Promise<unknown>, log: (m: string) => void): Promise<void> {
  await withRetry(async () => {
    try {
      await fn();
    } catch (err) {
      if (!/NotFound/.test((err as Error).name)) throw err; // else already gone
    }
  }, {
    retries: 20, minTimeoutMs: 500, maxTimeoutMs: 10_000, factor: 1.5,
    shouldRetry: (err) => (err as Error).name === 'DependencyViolation',
    onRetry: () => log(`${what}: DependencyViolation, retrying`),
  });
}

async function deleteRouteTable(c: AwsClients, rt: string, log: (m: string) => void): Promise<void> {
  const d = await c.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [rt] })).catch(() => undefined);
  for (const a of d?.RouteTables?.[0]?.Associations ?? []) {
    const id = a.RouteTableAssociationId;
    if (!a.Main && id) await retrying(`association ${id}`, () => c.ec2.send(new DisassociateRouteTableCommand({ AssociationId: id })), log);
  }
  await retrying(`route table ${rt}`, () => c.ec2.send(new DeleteRouteTableCommand({ RouteTableId: rt })), log);
}

async function deleteGateway(c: AwsClients, igw: string, log: (m: string) => void): Promise<void> {
  const d = await c.ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [igw] })).catch(() => undefined);
  for (const a of d?.InternetGateways?.[0]?.Attachments ?? []) {
    await retrying(`detach ${igw}`, () => c.ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: a.VpcId })), log);
  }
  await retrying(`internet gateway ${igw}`, () => c.ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: igw })), log);
}

/**
 * Deletes everything of the cluster, in dependency order: instances (waiting until they are
 * terminated), instance profile, role, policy and token parameter, key pairs, security groups,
 * subnets, route tables (associations first), internet gateways (detached first), VPCs.
 * Idempotent: what is gone is skipped.
 */
export async function teardown(c: AwsClients, name: string, log: (m: string) => void = () => undefined): Promise<{ deleted: number; calls: number }> {
  const before = c.calls();
  const found = await findTagged(c, name);
  if (found.instances.length) {
    await c.ec2.send(new TerminateInstancesCommand({ InstanceIds: found.instances }));
    await waitUntilInstanceTerminated({ client: c.ec2, maxWaitTime: 600, minDelay: 2, maxDelay: 10 }, { InstanceIds: found.instances });
  }
  await deleteIdentity(c, ec2Names(name), found);
  for (const k of found.keyPairs) await retrying(`key pair ${k}`, () => c.ec2.send(new DeleteKeyPairCommand({ KeyName: k })), log);
  for (const g of found.securityGroups) await retrying(`security group ${g}`, () => c.ec2.send(new DeleteSecurityGroupCommand({ GroupId: g })), log);
  for (const x of found.subnets) await retrying(`subnet ${x}`, () => c.ec2.send(new DeleteSubnetCommand({ SubnetId: x })), log);
  for (const rt of found.routeTables) await deleteRouteTable(c, rt, log);
  for (const igw of found.internetGateways) await deleteGateway(c, igw, log);
  for (const v of found.vpcs) await retrying(`vpc ${v}`, () => c.ec2.send(new DeleteVpcCommand({ VpcId: v })), log);
  return { deleted: count(found), calls: c.calls() - before };
}
