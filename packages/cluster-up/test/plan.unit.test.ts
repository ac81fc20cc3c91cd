import t from 'tap';
import { execa } from 'execa';
import { parse } from 'yaml';
import { validateDocument, type Environment } from '@iwp/core';
import { ec2Plan } from '../src/providers/ec2/plan.js';
import { agentUserData, serverUserData } from '../src/providers/ec2/userdata.js';
import { tokenPolicy, trustPolicy } from '../src/providers/ec2/identity.js';
import { rewriteK3sKubeconfig } from '../src/providers/ec2/kubeconfig.js';
import { apiNodes, instanceNodes } from '../src/providers/ec2/readiness.js';
import { ingressRules } from '../src/providers/ec2/network.js';
import { hostsToml, kindPlan, mirrorEndpoint, nodeNames } from '../src/providers/kind/plan.js';
import { localPlan } from '../src/providers/local/plan.js';
import type { ClusterRequest } from '../src/providers/types.js';

// Pure logic, no server and no process but `sh -n`: plans, user-data, kind config,
// kubeconfig rewriting, readiness mapping (network slots: nodeconf.unit.test.ts).
const env = (over: Partial<Environment> = {}): Environment => ({
  apiVersion: 'iwp/v1', kind: 'Environment', name: 'dev', provider: 'ec2', kubernetes: { version: 'v1.34.4' },
  nodes: [{ role: 'worker', count: 3, instanceType: 't3.large', labels: { 'iwp.dev/pool': 'web' } }, { role: 'control-plane', count: 1 }],
  network: { cidr: '10.42.0.0/16', subnets: ['10.42.1.0/24', '10.42.2.0/24'], adminCidr: '203.0.113.0/24' },
  ...over,
} as Environment);
const req = (over: Partial<ClusterRequest> = {}): ClusterRequest => ({ name: 'dev', provider: 'ec2', env: env(), stateDir: '/s', ami: 'ami-03cf127a', defaultRegion: 'eu-west-1', ...over });

t.test('ec2 plan: every resource, in order; the server first; agents round-robin over the subnets', async (t) => {
  const p = ec2Plan(req());
  t.same(p.resources.map((r) => r.type), [
    'vpc', 'subnet', 'subnet', 'internet-gateway', 'route-table', 'security-group', 'key-pair',
    'ssm-parameter', 'iam-policy', 'iam-role', 'iam-instance-profile', 'instance', 'instance', 'instance', 'instance',
  ]);
  t.same(p.instances.map((i) => [i.name, i.role, i.subnet, i.instanceType]), [
    ['iwp-dev-server', 'control-plane', 0, 't3.medium'], ['iwp-dev-agent-1', 'worker', 0, 't3.large'],
    ['iwp-dev-agent-2', 'worker', 1, 't3.large'], ['iwp-dev-agent-3', 'worker', 0, 't3.large'],
  ]);
  t.match(p, { region: 'eu-west-1', k3sVersion: 'v1.34.4+k3s1', waitApi: true, names: { parameter: '/iwp/dev/k3s-token', role: 'iwp-dev-node', instanceProfile: 'iwp-dev-node' } });
  t.equal(ec2Plan(req({ region: 'us-east-2' })).region, 'us-east-2', '--region over the environment');
  t.equal(ec2Plan(req({ env: env({ region: 'ap-south-1' }) })).region, 'ap-south-1', 'the descriptor over AWS_REGION');
  t.same(ec2Plan(req()), ec2Plan(req()), 'pure: the same request, the same plan');
});

t.test('ec2 plan: bad input names the field', async (t) => {
  const cases: Array<[string, Partial<ClusterRequest>, RegExp]> = [
    ['no descriptor', { env: undefined }, /^--file:/],
    ['no network', { env: env({ network: undefined }) }, /^network:/],
    ['no subnets', { env: env({ network: { cidr: '10.0.0.0/16', subnets: [], adminCidr: '0.0.0.0/0' } }) }, /^network\.subnets:/],
    ['no region', { defaultRegion: undefined }, /^region:/],
    ['no ami', { ami: undefined }, /^--ami: expected an AMI id \(ami-/],
    ['bad ami', { ami: 'ubuntu' }, /^--ami: expected an AMI id like/],
    ['no control plane', { env: env({ nodes: [{ role: 'worker', count: 2 }] }) }, /^nodes:/],
  ];
  for (const [what, over, message] of cases) t.throws(() => ec2Plan(req(over)), { code: 'BAD_INPUT', message }, what);
});

t.test('ec2 user-data: the token comes from SSM, never inline; valid sh', async (t) => {
  const p = ec2Plan(req({ env: env({ nodes: [{ role: 'control-plane', count: 1, taints: [{ key: 'dedicated', value: 'cp', effect: 'NoSchedule' }] }, { role: 'worker', count: 1, labels: { "o'k": 'x y' } }] }) }));
  const server = serverUserData(p, p.instances[0]!);
  const agent = agentUserData(p, p.instances[1]!, '10.42.1.17');
  for (const [what, ud] of [['server', server], ['agent', agent]] as const) {
    t.notMatch(ud, /K3S_TOKEN=['"]?[0-9a-f]{8,}/, `${what}: no token value`);
    t.match(ud, /--aws-sigv4 'aws:amz:eu-west-1:ssm'/, `${what}: SigV4 for SSM in the cluster's region`);
    t.match(ud, /"Name":"\/iwp\/dev\/k3s-token","WithDecryption":true/, `${what}: reads the cluster's parameter`);
    t.match(ud, /X-aws-ec2-metadata-token/, `${what}: IMDSv2`);
    t.equal((await execa('sh', ['-n'], { input: ud, reject: false })).exitCode, 0, `${what}: sh -n accepts it`);
  }
  t.match(server, /sh -s - server .*--node-taint 'dedicated=cp:NoSchedule'/);
  t.match(agent, /K3S_URL='https:\/\/10\.42\.1\.17:6443' sh -s - agent --node-label 'o'\\''k=x y'/, 'labels quoted for the shell');
});

t.test('ec2 identity and network documents', async (t) => {
  t.same(tokenPolicy('eu-west-1', '/iwp/dev/k3s-token').Statement, [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:eu-west-1:*:parameter/iwp/dev/k3s-token' }]);
  t.same(trustPolicy().Statement[0]!.Principal, { Service: 'ec2.amazonaws.com' });
  const rules = ingressRules({ adminCidr: '198.51.100.0/24' }, 'sg-1');
  t.same(rules.map((r) => [r.FromPort, r.IpRanges?.[0]?.CidrIp ?? r.UserIdGroupPairs?.[0]?.GroupId]), [[22, '198.51.100.0/24'], [6443, '198.51.100.0/24'], [80, '0.0.0.0/0'], [443, '0.0.0.0/0'], [undefined, 'sg-1']]);
});

t.test('the k3s kubeconfig rewritten with yaml: server and names', async (t) => {
  const k3s = 'apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: QUJD\n    server: https://127.0.0.1:6443\n  name: default\ncontexts:\n- context:\n    cluster: default\n    user: default\n  name: default\ncurrent-context: default\nkind: Config\npreferences: {}\nusers:\n- name: default\n  user:\n    client-certificate-data: REVG\n    client-key-data: R0hJ\n';
  const out = parse(rewriteK3sKubeconfig(k3s, 'https://198.51.100.7:6443', 'iwp-dev'));
  t.same(out.clusters, [{ cluster: { 'certificate-authority-data': 'QUJD', server: 'https://198.51.100.7:6443' }, name: 'iwp-dev' }]);
  t.same(out.contexts, [{ context: { cluster: 'iwp-dev', user: 'iwp-dev' }, name: 'iwp-dev' }]);
  t.equal(out['current-context'], 'iwp-dev');
  t.same(out.users[0].user, { 'client-certificate-data': 'REVG', 'client-key-data': 'R0hJ' }, 'credentials untouched (a regex on "default" would not have been)');
  t.throws(() => rewriteK3sKubeconfig('not: a kubeconfig', 'https://x', 'y'), { code: 'BAD_INPUT' });
});

t.test('ec2 readiness: from the API by private address, else instance state', async (t) => {
  const instances = [
    { InstanceId: 'i-1', PrivateIpAddress: '10.42.1.5', State: { Name: 'running' as const }, Tags: [{ Key: 'iwp:role', Value: 'control-plane' }] },
    { InstanceId: 'i-2', PrivateIpAddress: '10.42.2.6', State: { Name: 'pending' as const } },
  ];
  t.same(instanceNodes(instances).map((n) => [n.name, n.role, n.ready]), [['i-1', 'control-plane', true], ['i-2', 'worker', false]]);
  const api = apiNodes(instances, [{ name: 'ip-10-42-1-5', address: '10.42.1.5', ready: true }]);
  t.same(api.map((n) => [n.name, n.ready]), [['ip-10-42-1-5', true], ['i-2', false]], 'an instance not registered is not ready');
  t.same(apiNodes(instances.slice(0, 1), [{ name: 'ip-10-42-1-5', address: '10.42.1.5', ready: false }]).map((n) => n.ready), [false], 'running but NotReady is not ready');
});

t.test('kind: config, node names, registry mirror through the kind network gateway', async (t) => {
  const p = kindPlan({ name: 'k', provider: 'kind', stateDir: '/s', env: env({ provider: 'kind', registry: '127.0.0.1:5000' }) });
  t.same(p.kindConfig.nodes, [
    { role: 'control-plane', image: 'kindest/node:v1.34.4' },
    { role: 'worker', image: 'kindest/node:v1.34.4', labels: { 'iwp.dev/pool': 'web' } }, { role: 'worker', image: 'kindest/node:v1.34.4', labels: { 'iwp.dev/pool': 'web' } },
    { role: 'worker', image: 'kindest/node:v1.34.4', labels: { 'iwp.dev/pool': 'web' } },
  ], 'the control plane first');
  t.same(p.kindConfig.containerdConfigPatches, ['[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"']);
  t.same(p.resources.filter((r) => r.type === 'container').map((r) => r.name), ['k-control-plane', 'k-worker', 'k-worker2', 'k-worker3']);
  t.same(nodeNames('x', [{ role: 'control-plane', labels: {} }, { role: 'control-plane', labels: {} }, { role: 'worker', labels: {} }]), ['x-control-plane', 'x-control-plane2', 'x-worker']);
  t.same(kindPlan({ name: 'w', provider: 'kind', stateDir: '/s', env: env({ nodes: [{ role: 'worker', count: 1 }] }) }).nodes.map((n) => n.role), ['control-plane', 'worker'], 'kind needs a control plane');
  t.notOk(kindPlan({ name: 'n', provider: 'kind', stateDir: '/s', nodes: 1 }).kindConfig.containerdConfigPatches, 'no registry, no patch');
  const cases: Array<[string, string | undefined, string]> = [
    ['127.0.0.1:5000', '172.18.0.1', 'http://172.18.0.1:5000'],
    ['localhost:5001', '172.18.0.1', 'http://172.18.0.1:5001'],
    ['127.0.0.1:5000', undefined, 'http://<kind network gateway>:5000'],
    ['registry.example.com:5000', '172.18.0.1', 'http://registry.example.com:5000'],
    ['10.1.2.3:80', '172.18.0.1', 'http://10.1.2.3:80'],
  ];
  for (const [registry, gw, want] of cases) t.equal(mirrorEndpoint(registry, gw), want, `${registry} via ${gw}`);
  t.equal(hostsToml('127.0.0.1:5000', '172.19.0.1'), 'server = "http://172.19.0.1:5000"\n\n[host."http://172.19.0.1:5000"]\n  capabilities = ["pull", "resolve"]\n');
});

t.test('local plan: processes, nodes and resources from flags or a descriptor', async (t) => {
  const kwok = localPlan({ name: 's', provider: 'local', stateDir: '/s', nodes: 3, runtime: 'kwok' });
  t.same(kwok.processes, ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok']);
  t.notOk(kwok.registry, 'no registry without real nodes');
  t.notOk(kwok.resources.some((r) => r.type === 'network-namespace'));
  const real = localPlan({ name: 'r', provider: 'local', stateDir: '/s', nodes: 1, registry: '127.0.0.1:40141' });
  t.same(real.processes.slice(4), ['r-worker-1-containerd', 'r-worker-1-kubelet', 'r-worker-1-kube-proxy', 'coredns']);
  t.equal(real.registry, '127.0.0.1:40141');
  t.same(real.resources.filter((r) => r.type === 'network-namespace').map((r) => r.name), ['iwp<k>-r-worker-1']);
  const fromEnv = localPlan({ name: 'e', provider: 'local', stateDir: '/s', env: env({ provider: 'local', nodes: [{ role: 'control-plane', count: 1, runtime: 'kwok' }, { role: 'worker', count: 2 }] }), runtime: 'kwok' });
  t.same(fromEnv.nodes.map((n) => [n.name, n.runtime]), [['e-control-plane-1', 'kwok'], ['e-worker-1', 'kwok'], ['e-worker-2', 'kwok']], '--runtime overrides every node');
});

t.test('every provider\'s plan is a ClusterPlan by the contract\'s schema', async (t) => {
  const plans = [
    ec2Plan(req()),
    kindPlan(req({ provider: 'kind', env: env({ provider: 'kind' }), registry: '127.0.0.1:5000' })),
    localPlan(req({ provider: 'local', env: undefined, nodes: 2, runtime: 'kwok' })),
    localPlan(req({ provider: 'local', env: undefined, nodes: 1 })),
  ];
  for (const p of plans) t.doesNotThrow(() => validateDocument(p, ['ClusterPlan'], `${p.provider} plan`), p.provider);
});
