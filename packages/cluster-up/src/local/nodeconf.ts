import type { NetPlan, NodeNet } from './netplan.js';
import type { NodePaths } from './node-paths.js';

const q = (s: string) => JSON.stringify(s);

/**
 * containerd 1.6's config: its own root, state and socket, CRI with the cluster's pause image,
 * CNI from Debian's plugins, runc with its own root (shim state stays per node), and the
 * registry reached over plain HTTP. `restrict_oom_score_adj`: root here may lack
 * CAP_SYS_RESOURCE, and runc then fails every sandbox setting a negative oom_score_adj.
 */
export function containerdConfig(p: NodePaths, opts: { sandboxImage: string; registries: string[]; cniBinDir: string; runc: string }): string {
  const mirrors = opts.registries.flatMap((r) => [
    `[plugins."io.containerd.grpc.v1.cri".registry.mirrors.${q(r)}]`,
    `  endpoint = [${q(`http://${r}`)}]`,
  ]);
  return [
    'version = 2',
    `root = ${q(p.containerdRoot)}`,
    `state = ${q(p.containerdState)}`,
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]',
    '',
    '[grpc]',
    `  address = ${q(p.containerdSock)}`,
    '[ttrpc]',
    `  address = ${q(`${p.containerdSock}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(`${p.containerdRoot}/opt`)}`,
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${q(opts.sandboxImage)}`,
    '  restrict_oom_score_adj = true',
    '  disable_apparmor = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '[plugins."io.containerd.grpc.v1.cri".containerd]',
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '  runtime_type = "io.containerd.runc.v2"',
    '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    `  BinaryName = ${q(opts.runc)}`,
    `  Root = ${q(p.runcRoot)}`,
    '  SystemdCgroup = false',
    '[plugins."io.containerd.grpc.v1.cri".cni]',
    `  bin_dir = ${q(opts.cniBinDir)}`,
    `  conf_dir = ${q(p.cniConfDir)}`,
    '  max_conf_num = 1',
    ...mirrors,
    '',
  ].join('\n');
}

/** The pod network of one node: a bridge with the node's /24, host-local IPAM, portmap. */
export function cniConfig(node: NodeNet, p: NodePaths): object {
  return {
    cniVersion: '0.4.0',
    name: 'iwp',
    plugins: [
      {
        type: 'bridge',
        bridge: node.podBridge,
        isGateway: true,
        // pods reach only the cluster and the host: nothing is masqueraded off the node
        ipMasq: false,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          dataDir: p.cniDataDir,
          ranges: [[{ subnet: node.podCidr, gateway: node.podGateway }]],
          routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
}

export interface KubeletOptions {
  caFile: string;
  certFile: string;
  keyFile: string;
  cgroupRoot: string;
  taints: { key: string; value?: string; effect: string }[];
}

/** KubeletConfiguration for cgroup v1 without systemd, serving with a cluster-CA certificate. */
export function kubeletConfig(plan: NetPlan, node: NodeNet, p: NodePaths, o: KubeletOptions): object {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: node.ip,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: o.caFile } },
    authorization: { mode: 'Webhook' },
    tlsCertFile: o.certFile,
    tlsPrivateKeyFile: o.keyFile,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: o.cgroupRoot,
    failCgroupV1: false,
    failSwapOn: false,
    containerRuntimeEndpoint: `unix://${p.containerdSock}`,
    clusterDNS: [plan.dnsIp],
    clusterDomain: 'cluster.local',
    resolvConf: p.resolvConf,
    serializeImagePulls: false,
    registerWithTaints: o.taints,
    // a developer machine's disk is shared with everything else: evict only when nearly full
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '2%', 'imagefs.available': '2%', 'nodefs.inodesFree': '2%' },
    imageGCHighThresholdPercent: 98,
    imageGCLowThresholdPercent: 95,
    podPidsLimit: -1,
    nodeStatusUpdateFrequency: '5s',
    syncFrequency: '10s',
    shutdownGracePeriod: '0s',
  };
}

/** KubeProxyConfiguration: iptables mode inside the node's network namespace. */
export function kubeProxyConfig(plan: NetPlan, node: NodeNet, p: NodePaths): object {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig: p.proxyKubeconfig },
    hostnameOverride: node.name,
    bindAddress: '0.0.0.0',
    clusterCIDR: plan.podCidr,
    mode: 'iptables',
    metricsBindAddress: '127.0.0.1:10249',
    healthzBindAddress: '127.0.0.1:10256',
    // conntrack table sizes are machine-wide and read-only in a network namespace: leave them
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    iptables: { localhostNodePorts: false, syncPeriod: '30s', minSyncPeriod: '1s' },
  };
}

/** CoreDNS answering for the cluster domain only: nothing is forwarded off the machine. */
export function corefile(kubeconfig: string): string {
  return [
    '.:53 {',
    '    errors',
    '    health 127.0.0.1:8180',
    '    ready 127.0.0.1:8181',
    `    kubernetes cluster.local in-addr.arpa ip6.arpa {`,
    `        kubeconfig ${kubeconfig}`,
    '        pods insecure',
    '        ttl 5',
    '    }',
    '    cache 5',
    '    loop',
    '}',
    '',
  ].join('\n');
}
