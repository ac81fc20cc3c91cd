import type { Ec2Node, Ec2Plan } from './plan.js';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

const flagsOf = (n: Ec2Node) => [
  ...Object.entries(n.labels).map(([k, v]) => `--node-label ${q(`${k}=${v}`)}`),
  ...n.taints.map((t) => `--node-taint ${q(`${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`)}`),
].join(' ');

/**
 * Shell that reads the k3s join token from SSM Parameter Store with the instance role's
 * credentials (IMDSv2), signed by curl's own SigV4 (curl >= 7.75: Ubuntu 22.04, Debian 12,
 * Amazon Linux 2023), so the token never appears in user-data and no AWS CLI is needed.
 * The role may take a while to reach the instance: it retries for five minutes.
 * IWP_IMDS and IWP_SSM_URL replace the metadata and SSM addresses (for a test against an
 * emulator; cloud-init sets neither).
 */
export function tokenFetch(plan: Pick<Ec2Plan, 'region' | 'names'>): string[] {
  const body = JSON.stringify({ Name: plan.names.parameter, WithDecryption: true });
  return [
    'imds=${IWP_IMDS:-http://169.254.169.254}/latest',
    'md() { curl -sf -H "X-aws-ec2-metadata-token: $(curl -sf -X PUT "$imds/api/token" -H "X-aws-ec2-metadata-token-ttl-seconds: 300")" "$imds/meta-data/$1"; }',
    'field() { printf \'%s\\n\' "$creds" | sed -n "s/.*\\"$1\\" *: *\\"\\([^\\"]*\\)\\".*/\\1/p"; }',
    'K3S_TOKEN=',
    'for _ in $(seq 60); do',
    '  creds=$(md "iam/security-credentials/$(md iam/security-credentials/)") || creds=',
    `  K3S_TOKEN=$(curl -sf --aws-sigv4 ${q(`aws:amz:${plan.region}:ssm`)} --user "$(field AccessKeyId):$(field SecretAccessKey)" \\`,
    '    -H "x-amz-security-token: $(field Token)" -H \'X-Amz-Target: AmazonSSM.GetParameter\' -H \'Content-Type: application/x-amz-json-1.1\' \\',
    `    -d ${q(body)} "\${IWP_SSM_URL:-https://ssm.${plan.region}.amazonaws.com/}" | sed -n 's/.*"Value" *: *"\\([0-9a-f]*\\)".*/\\1/p') || K3S_TOKEN=`,
    '  [ -n "$K3S_TOKEN" ] && break',
    '  sleep 5',
    'done',
    '[ -n "$K3S_TOKEN" ] || { echo "iwp: no k3s token from SSM" >&2; exit 1; }',
    'export K3S_TOKEN',
  ];
}

/** cloud-init user-data of the k3s server: the token from SSM, never inline. */
export function serverUserData(plan: Ec2Plan, node: Ec2Node): string {
  return [
    '#!/bin/sh',
    'set -eu',
    ...tokenFetch(plan),
    'public=$(md public-ipv4 || true)',
    `curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION=${q(plan.k3sVersion)} sh -s - server --write-kubeconfig-mode 0644 \${public:+--tls-san "$public"} ${flagsOf(node)}`.trimEnd(),
    '',
  ].join('\n');
}

/** cloud-init user-data of a k3s agent joining the server at its private address. */
export function agentUserData(plan: Ec2Plan, node: Ec2Node, serverIp: string): string {
  return [
    '#!/bin/sh',
    'set -eu',
    ...tokenFetch(plan),
    `curl -sfL https://get.k3s.io | INSTALL_K3S_VERSION=${q(plan.k3sVersion)} K3S_URL=${q(`https://${serverIp}:6443`)} sh -s - agent ${flagsOf(node)}`.trimEnd(),
    '',
  ].join('\n');
}
