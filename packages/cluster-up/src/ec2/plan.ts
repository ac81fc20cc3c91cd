import { randomBytes } from 'node:crypto';
import { badInput, type Environment } from '@iwp/core';

export const TAG = 'iwp:cluster';

export interface Ec2Plan {
  name: string;
  region: string;
  ami: string;
  vpcCidr: string;
  subnets: string[];
  adminCidr: string;
  k3sVersion: string;
  nodes: Array<{ role: 'control-plane' | 'worker'; count: number; instanceType: string; labels: Record<string, string>; taints: Array<{ key: string; value?: string; effect: string }> }>;
}

/** k3s names its releases after the Kubernetes version: v1.34.4 -> v1.34.4+k3s1. */
export function k3sVersion(k8s: string): string {
  return `${k8s}+k3s1`;
}

export function ec2Plan(env: Environment, opts: { ami?: string; region?: string }): Ec2Plan {
  const net = env.network;
  if (!net) throw badInput('network', 'cidr, subnets and adminCidr for an ec2 environment');
  if (!net.subnets.length) throw badInput('network.subnets', 'at least one subnet CIDR (one per availability zone)');
  const region = opts.region ?? env.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  if (!region) throw badInput('region', 'an AWS region (descriptor region, --region or AWS_REGION)');
  const ami = opts.ami ?? (env as { ec2?: { ami?: string } }).ec2?.ami;
  if (!ami) throw badInput('--ami', 'an AMI id (ami-...) with cloud-init (Ubuntu, Debian, Amazon Linux)');
  if (!/^ami-[0-9a-f]{8,17}$/.test(ami)) throw badInput('--ami', 'an AMI id like ami-0123456789abcdef0', ami);
  if (!env.nodes.some((n) => n.role === 'control-plane')) throw badInput('nodes', 'a control-plane node for the k3s server');
  return {
    name: env.name,
    region,
    ami,
    vpcCidr: net.cidr,
    subnets: net.subnets,
    adminCidr: net.adminCidr,
    k3sVersion: k3sVersion(env.kubernetes.version),
    nodes: env.nodes.map((n) => ({ role: n.role, count: n.count, instanceType: n.instanceType ?? 't3.medium', labels: n.labels ?? {}, taints: n.taints ?? [] })),
  };
}

const flagsOf = (n: Ec2Plan['nodes'][number]) => [
  ...Object.entries(n.labels).map(([k, v]) => `--node-label ${k}=${v}`),
  ...n.taints.map((t) => `--node-taint ${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
].join(' ');

/** cloud-init user-data: install k3s as the server, with the cluster token. */
export function serverUserData(plan: Ec2Plan, token: string, node: Ec2Plan['nodes'][number]): string {
  return [
    '#!/bin/sh',
    'set -eu',
    `curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION='${plan.k3sVersion}' K3S_TOKEN='${token}' sh -s - server --write-kubeconfig-mode 0644 --tls-san "$(curl -s http://169.254.169.254/latest/meta-data/public-ipv4)" ${flagsOf(node)}`,
    '',
  ].join('\n');
}

/** cloud-init user-data: install k3s as an agent joining the server. */
export function agentUserData(plan: Ec2Plan, token: string, serverIp: string, node: Ec2Plan['nodes'][number]): string {
  return [
    '#!/bin/sh',
    'set -eu',
    `curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION='${plan.k3sVersion}' K3S_URL='https://${serverIp}:6443' K3S_TOKEN='${token}' sh -s - agent ${flagsOf(node)}`,
    '',
  ].join('\n');
}

export const clusterToken = () => randomBytes(24).toString('hex');
