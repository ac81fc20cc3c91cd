import { API_VERSION, badInput, type Environment } from '@iwp/core';
import type { ClusterPlan, ClusterRequest, PlannedResource } from '../types.js';

/** The tag every resource of a cluster carries: `iwp:cluster=<name>`. */
export const TAG = 'iwp:cluster';
export const ROLE_TAG = 'iwp:role';

export interface Ec2Node {
  name: string;
  role: 'control-plane' | 'worker';
  instanceType: string;
  /** index into `subnets` */
  subnet: number;
  labels: Record<string, string>;
  taints: Array<{ key: string; value?: string; effect: string }>;
}

/** Names of the cluster's resources that are found by name rather than by id. */
export interface Ec2Names {
  keyPair: string;
  securityGroup: string;
  /** SSM parameter (SecureString) holding the k3s join token */
  parameter: string;
  role: string;
  policy: string;
  instanceProfile: string;
  /** IAM path of the role, policy and instance profile */
  iamPath: string;
}

export interface Ec2Plan extends ClusterPlan {
  provider: 'ec2';
  region: string;
  ami: string;
  vpcCidr: string;
  subnets: string[];
  adminCidr: string;
  k3sVersion: string;
  names: Ec2Names;
  /** the k3s server first, then one agent per further node */
  instances: Ec2Node[];
  waitApi: boolean;
}

/** k3s names its releases after the Kubernetes version: v1.34.4 -> v1.34.4+k3s1. */
export const k3sVersion = (k8s: string) => `${k8s}+k3s1`;

export function ec2Names(name: string): Ec2Names {
  return {
    keyPair: `iwp-${name}`,
    securityGroup: `iwp-${name}`,
    parameter: `/iwp/${name}/k3s-token`,
    role: `iwp-${name}-node`,
    policy: `iwp-${name}-k3s-token`,
    instanceProfile: `iwp-${name}-node`,
    iamPath: '/iwp/',
  };
}

/** The ARN pattern of the token parameter, for the instance role's policy (any account). */
export const parameterArn = (region: string, parameter: string) => `arn:aws:ssm:${region}:*:parameter${parameter}`;

function validate(req: ClusterRequest): { env: Environment; region: string; ami: string } {
  const env = req.env;
  if (!env) throw badInput('--file', 'an environment descriptor for the ec2 provider (network, nodes)');
  const net = env.network;
  if (!net) throw badInput('network', 'cidr, subnets and adminCidr for an ec2 environment');
  if (!net.subnets.length) throw badInput('network.subnets', 'at least one subnet CIDR (one per availability zone)');
  const region = req.region ?? env.region ?? req.defaultRegion;
  if (!region) throw badInput('region', 'an AWS region (descriptor region, --region or AWS_REGION)');
  const ami = req.ami ?? (env as { ec2?: { ami?: string } }).ec2?.ami;
  if (!ami) throw badInput('--ami', 'an AMI id (ami-...) with cloud-init (Ubuntu, Debian, Amazon Linux)');
  if (!/^ami-[0-9a-f]{8,17}$/.test(ami)) throw badInput('--ami', 'an AMI id like ami-0123456789abcdef0', ami);
  if (!env.nodes.some((n) => n.role === 'control-plane')) throw badInput('nodes', 'a control-plane node for the k3s server');
  return { env, region, ami };
}

/** One instance per requested node: the first control-plane node is the k3s server. */
export function ec2Nodes(env: Environment, name: string, subnets: number): Ec2Node[] {
  const groups = [...env.nodes].sort((a, b) => (a.role === b.role ? 0 : a.role === 'control-plane' ? -1 : 1));
  const out: Ec2Node[] = [];
  for (const g of groups) {
    for (let i = 0; i < g.count; i++) {
      const server = out.length === 0;
      out.push({
        name: server ? `iwp-${name}-server` : `iwp-${name}-agent-${out.length}`,
        role: g.role,
        instanceType: g.instanceType ?? 't3.medium',
        // the server in the first subnet; agents round-robin over all of them
        subnet: server ? 0 : (out.length - 1) % subnets,
        labels: g.labels ?? {},
        taints: g.taints ?? [],
      });
    }
  }
  return out;
}

/** Every resource a create makes, in the order it makes them. */
export function ec2Resources(p: Omit<Ec2Plan, 'resources'>): PlannedResource[] {
  const n = p.names;
  return [
    { type: 'vpc', name: `iwp-${p.name}-vpc`, cidr: p.vpcCidr },
    ...p.subnets.map((cidr, i) => ({ type: 'subnet', name: `iwp-${p.name}-subnet-${i + 1}`, cidr })),
    { type: 'internet-gateway', name: `iwp-${p.name}-igw` },
    { type: 'route-table', name: `iwp-${p.name}-public`, routes: ['0.0.0.0/0 -> internet-gateway'] },
    { type: 'security-group', name: n.securityGroup, ingress: [`22/tcp from ${p.adminCidr}`, `6443/tcp from ${p.adminCidr}`, '80/tcp from 0.0.0.0/0', '443/tcp from 0.0.0.0/0', 'all from the group'] },
    { type: 'key-pair', name: n.keyPair, keyType: 'ed25519' },
    { type: 'ssm-parameter', name: n.parameter, parameterType: 'SecureString' },
    { type: 'iam-policy', name: n.policy, path: n.iamPath, allows: `ssm:GetParameter on ${parameterArn(p.region, n.parameter)}` },
    { type: 'iam-role', name: n.role, path: n.iamPath, assumedBy: 'ec2.amazonaws.com' },
    { type: 'iam-instance-profile', name: n.instanceProfile, path: n.iamPath, role: n.role },
    ...p.instances.map((i) => ({ type: 'instance', name: i.name, role: i.role, instanceType: i.instanceType, subnet: p.subnets[i.subnet]! })),
  ];
}

/** The plan of an ec2 cluster: pure, from the request alone. */
export function ec2Plan(req: ClusterRequest): Ec2Plan {
  const { env, region, ami } = validate(req);
  const net = env.network!;
  const base = {
    apiVersion: API_VERSION, kind: 'ClusterPlan' as const, name: req.name, provider: 'ec2' as const, stateDir: req.stateDir,
    region, ami, vpcCidr: net.cidr, subnets: net.subnets, adminCidr: net.adminCidr,
    k3sVersion: k3sVersion(env.kubernetes.version), names: ec2Names(req.name),
    instances: ec2Nodes(env, req.name, net.subnets.length), waitApi: req.waitApi ?? true,
  };
  return { ...base, resources: ec2Resources(base) };
}
