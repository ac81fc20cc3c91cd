import t from 'tap';
import { netPlan, nodeNet } from '../src/local/netplan.js';
import { cniConfig, containerdConfig, kubeletConfig, kubeProxyConfig } from '../src/local/nodeconf.js';
import { nodePaths } from '../src/local/node-paths.js';
import { loopbackPort } from '../src/local/realnode.js';

t.test('network plans: each slot has its own ranges, bridge, cgroup and run dir', async (t) => {
  const cases: [number, string, string, string, string][] = [
    [0, '10.200.0.0/16', '10.96.0.0/16', '10.96.0.10', 'iwp0'],
    [1, '10.201.0.0/16', '10.97.0.0/16', '10.97.0.10', 'iwp1'],
    [23, '10.223.0.0/16', '10.119.0.0/16', '10.119.0.10', 'iwp23'],
  ];
  for (const [slot, pods, services, dns, bridge] of cases) {
    const p = netPlan(slot);
    t.same([p.podCidr, p.serviceCidr, p.dnsIp, p.hostBridge, p.cgroup, p.runDir], [pods, services, dns, bridge, bridge, `/run/iwp/${slot}`], `slot ${slot}`);
  }
  const n = nodeNet(netPlan(2), 3, 'dev-worker-3');
  t.same(n, {
    index: 3, name: 'dev-worker-3', netns: 'iwp2-dev-worker-3', ip: '10.202.255.3', podCidr: '10.202.3.0/24',
    podGateway: '10.202.3.1', hostVeth: 'iwp2n3', podBridge: 'iwpbr2',
  });
  t.ok(n.hostVeth.length <= 15 && 'iwp23n250'.length <= 15, 'interface names fit IFNAMSIZ');
  t.throws(() => nodeNet(netPlan(0), 251, 'x'), /at most 250 real nodes/);
});

t.test('loopback registries are carried into nodes; others are not', async (t) => {
  const cases: [string, number | undefined][] = [
    ['127.0.0.1:5000', 5000], ['localhost:41234', 41234], ['registry.example:5000', undefined], ['10.0.0.1:5000', undefined], ['127.0.0.1', undefined],
  ];
  for (const [r, port] of cases) t.equal(loopbackPort(r), port, r);
});

t.test('node configuration: containerd, CNI, kubelet and kube-proxy agree on paths and ranges', async (t) => {
  const plan = netPlan(1);
  const node = nodeNet(plan, 1, 'dev-worker-1');
  const p = nodePaths('/var/lib/iwp/dev', plan, node);
  t.equal(p.containerdSock, '/run/iwp/1/dev-worker-1/containerd.sock', 'sockets on tmpfs, short paths');

  const toml = containerdConfig(p, { sandboxImage: '127.0.0.1:5000/iwp/pause@sha256:ab', registries: ['127.0.0.1:5000'], cniBinDir: '/usr/lib/cni', runc: '/usr/sbin/runc' });
  for (const line of [
    'root = "/var/lib/iwp/dev/nodes/dev-worker-1/containerd"',
    'sandbox_image = "127.0.0.1:5000/iwp/pause@sha256:ab"',
    'restrict_oom_score_adj = true',
    'Root = "/run/iwp/1/dev-worker-1/runc"',
    '[plugins."io.containerd.grpc.v1.cri".registry.mirrors."127.0.0.1:5000"]',
    '  endpoint = ["http://127.0.0.1:5000"]',
    'conf_dir = "/var/lib/iwp/dev/nodes/dev-worker-1/cni/net.d"',
  ]) t.ok(toml.includes(line), line);

  const cni = cniConfig(node, p) as { plugins: { type: string; bridge?: string; ipMasq?: boolean; ipam?: { ranges: { subnet: string }[][]; dataDir: string } }[] };
  t.same(cni.plugins.map((x) => x.type), ['bridge', 'portmap']);
  t.match(cni.plugins[0], { bridge: 'iwpbr1', ipMasq: false, ipam: { ranges: [[{ subnet: '10.201.1.0/24' }]], dataDir: p.cniDataDir } });

  const kubelet = kubeletConfig(plan, node, p, { caFile: 'ca', certFile: 'c', keyFile: 'k', cgroupRoot: '/iwp1/dev-worker-1', taints: [] }) as Record<string, unknown>;
  t.match(kubelet, {
    address: '10.201.255.1', clusterDNS: ['10.97.0.10'], cgroupDriver: 'cgroupfs', failCgroupV1: false, failSwapOn: false,
    cgroupRoot: '/iwp1/dev-worker-1', containerRuntimeEndpoint: `unix://${p.containerdSock}`, authorization: { mode: 'Webhook' },
    authentication: { anonymous: { enabled: false } }, readOnlyPort: 0,
  });
  const proxy = kubeProxyConfig(plan, node, p) as Record<string, unknown>;
  t.match(proxy, { mode: 'iptables', clusterCIDR: '10.201.0.0/16', hostnameOverride: 'dev-worker-1', conntrack: { maxPerCore: 0 } });
});
