import type { NetPlan, NodeNet } from './netplan.js';

/** Where one real node keeps its files: state on disk, sockets and runtime state on tmpfs. */
export interface NodePaths {
  dir: string;
  run: string;
  containerdRoot: string;
  containerdState: string;
  containerdSock: string;
  runcRoot: string;
  cniConfDir: string;
  cniDataDir: string;
  kubeletRoot: string;
  kubeletCerts: string;
  kubeletConfig: string;
  kubeletKubeconfig: string;
  proxyConfig: string;
  proxyKubeconfig: string;
  resolvConf: string;
}

export function nodePaths(stateDir: string, plan: NetPlan, node: NodeNet): NodePaths {
  const dir = `${stateDir}/nodes/${node.name}`;
  const run = `${plan.runDir}/${node.name}`;
  return {
    dir,
    run,
    containerdRoot: `${dir}/containerd`,
    containerdState: `${run}/containerd`,
    containerdSock: `${run}/containerd.sock`,
    runcRoot: `${run}/runc`,
    cniConfDir: `${dir}/cni/net.d`,
    cniDataDir: `${dir}/cni/ipam`,
    kubeletRoot: `${dir}/kubelet`,
    kubeletCerts: `${dir}/pki`,
    kubeletConfig: `${dir}/kubelet.json`,
    kubeletKubeconfig: `${dir}/kubelet.kubeconfig`,
    proxyConfig: `${dir}/kube-proxy.json`,
    proxyKubeconfig: `${dir}/kube-proxy.kubeconfig`,
    resolvConf: `${dir}/resolv.conf`,
  };
}
