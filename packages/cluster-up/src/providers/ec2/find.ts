import {
  DescribeInternetGatewaysCommand, DescribeKeyPairsCommand, DescribeRouteTablesCommand, DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand, DescribeVpcsCommand, type Filter,
} from '@aws-sdk/client-ec2';
import type { AwsClients } from './clients.js';
import { findIdentity, type Identity } from './identity.js';
import { describeInstances } from './instances.js';
import { ec2Names, TAG } from './plan.js';

export interface Leftovers extends Identity {
  instances: string[];
  keyPairs: string[];
  securityGroups: string[];
  subnets: string[];
  routeTables: string[];
  internetGateways: string[];
  vpcs: string[];
}

export const byTag = (name: string): Filter[] => [{ Name: `tag:${TAG}`, Values: [name] }];
const ids = <T>(xs: T[] | undefined, id: (x: T) => string | undefined): string[] => (xs ?? []).flatMap((x) => { const v = id(x); return v ? [v] : []; });
const LIVE = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

/**
 * Every resource of the cluster that still exists: EC2 resources by tag (terminated instances
 * excluded), the token parameter and the IAM role, policy and instance profile by name.
 */
export async function findTagged(c: AwsClients, name: string): Promise<Leftovers> {
  const f = { Filters: byTag(name) };
  return {
    instances: ids(await describeInstances(c, { Filters: [...byTag(name), { Name: 'instance-state-name', Values: LIVE }] }), (i) => i.InstanceId),
    keyPairs: ids((await c.ec2.send(new DescribeKeyPairsCommand(f))).KeyPairs, (k) => k.KeyName),
    securityGroups: ids((await c.ec2.send(new DescribeSecurityGroupsCommand(f))).SecurityGroups, (g) => g.GroupId),
    subnets: ids((await c.ec2.send(new DescribeSubnetsCommand(f))).Subnets, (s) => s.SubnetId),
    routeTables: ids((await c.ec2.send(new DescribeRouteTablesCommand(f))).RouteTables, (r) => r.RouteTableId),
    internetGateways: ids((await c.ec2.send(new DescribeInternetGatewaysCommand(f))).InternetGateways, (g) => g.InternetGatewayId),
    vpcs: ids((await c.ec2.send(new DescribeVpcsCommand(f))).Vpcs, (v) => v.VpcId),
    ...(await findIdentity(c, ec2Names(name))),
  };
}

export function count(l: Leftovers): number {
  return Object.values(l).reduce((n, xs: string[]) => n + xs.length, 0);
}
