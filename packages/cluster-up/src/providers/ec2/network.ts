import {
  AssociateRouteTableCommand, AttachInternetGatewayCommand, AuthorizeSecurityGroupIngressCommand, CreateInternetGatewayCommand,
  CreateRouteCommand, CreateRouteTableCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand,
  DescribeAvailabilityZonesCommand, ModifySubnetAttributeCommand, ModifyVpcAttributeCommand,
  type IpPermission, type ResourceType, type TagSpecification,
} from '@aws-sdk/client-ec2';
import { ErrorCode, IwpError } from '@iwp/core';
import { tagList, type AwsClients } from './clients.js';
import type { Ec2Plan } from './plan.js';

export interface Ec2Network {
  vpc: string;
  subnets: string[];
  internetGateway: string;
  routeTable: string;
}

export const tagSpec = (plan: Pick<Ec2Plan, 'name'>, type: ResourceType, name: string, extra?: Record<string, string>): TagSpecification[] =>
  [{ ResourceType: type, Tags: tagList(plan.name, name, extra) }];

/** An id the API must have answered with; its absence is a broken server, not bad input. */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined || value === null || value === '') throw new IwpError(ErrorCode.FAILED, `EC2 answered without ${what}`);
  return value;
}

async function createSubnets(c: AwsClients, plan: Ec2Plan, vpc: string): Promise<string[]> {
  const zones = ((await c.ec2.send(new DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : []));
  const out: string[] = [];
  for (const [i, cidr] of plan.subnets.entries()) {
    const zone = zones[i % Math.max(1, zones.length)];
    const r = await c.ec2.send(new CreateSubnetCommand({
      VpcId: vpc, CidrBlock: cidr, ...(zone ? { AvailabilityZone: zone } : {}), TagSpecifications: tagSpec(plan, 'subnet', `iwp-${plan.name}-subnet-${i + 1}`),
    }));
    const id = must(r.Subnet?.SubnetId, 'a subnet id');
    await c.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: id, MapPublicIpOnLaunch: { Value: true } }));
    out.push(id);
  }
  return out;
}

/** VPC (DNS hostnames on), public subnets spread over the zones, internet gateway, default route. */
export async function createNetwork(c: AwsClients, plan: Ec2Plan, log: (m: string) => void): Promise<Ec2Network> {
  const vpc = must((await c.ec2.send(new CreateVpcCommand({ CidrBlock: plan.vpcCidr, TagSpecifications: tagSpec(plan, 'vpc', `iwp-${plan.name}-vpc`) }))).Vpc?.VpcId, 'a VPC id');
  log(`created vpc ${vpc}`);
  await c.ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpc, EnableDnsHostnames: { Value: true } }));
  const subnets = await createSubnets(c, plan, vpc);
  const igw = must((await c.ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tagSpec(plan, 'internet-gateway', `iwp-${plan.name}-igw`) }))).InternetGateway?.InternetGatewayId, 'an internet gateway id');
  await c.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
  const rt = must((await c.ec2.send(new CreateRouteTableCommand({ VpcId: vpc, TagSpecifications: tagSpec(plan, 'route-table', `iwp-${plan.name}-public`) }))).RouteTable?.RouteTableId, 'a route table id');
  await c.ec2.send(new CreateRouteCommand({ RouteTableId: rt, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
  for (const sn of subnets) await c.ec2.send(new AssociateRouteTableCommand({ RouteTableId: rt, SubnetId: sn }));
  return { vpc, subnets, internetGateway: igw, routeTable: rt };
}

/** The ingress rules of the nodes' security group. */
export function ingressRules(plan: Pick<Ec2Plan, 'adminCidr'>, group: string): IpPermission[] {
  const tcp = (port: number, cidr: string, what: string): IpPermission => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr, Description: what }] });
  return [
    tcp(22, plan.adminCidr, 'ssh from admins'),
    tcp(6443, plan.adminCidr, 'kubernetes API from admins'),
    tcp(80, '0.0.0.0/0', 'http'),
    tcp(443, '0.0.0.0/0', 'https'),
    { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: group, Description: 'all traffic between nodes' }] },
  ];
}

export async function createSecurityGroup(c: AwsClients, plan: Ec2Plan, vpc: string): Promise<string> {
  const sg = must((await c.ec2.send(new CreateSecurityGroupCommand({
    GroupName: plan.names.securityGroup, Description: `iwp cluster ${plan.name}`, VpcId: vpc, TagSpecifications: tagSpec(plan, 'security-group', plan.names.securityGroup),
  }))).GroupId, 'a security group id');
  await c.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: sg, IpPermissions: ingressRules(plan, sg) }));
  return sg;
}
