import { join } from 'node:path';
import { API_VERSION, ErrorCode, IwpError, type Cluster } from '@iwp/core';
import { CONTROL_PLANE } from './controlplane.js';
import { netPlan } from './netplan.js';
import { nodeReadiness } from './nodes.js';
import { aliveProcesses } from './procs.js';
import { coreApi, localStateDir, readState } from './state.js';

/** The cluster's `Cluster` document; fails naming the components that are not running. */
export async function statusLocal(name: string, stateDir?: string): Promise<Cluster> {
  const dir = localStateDir(name, stateDir);
  const st = await readState(dir, name);
  const alive = await aliveProcesses(dir);
  const down = (st.processes ?? CONTROL_PLANE).filter((p) => !alive[p]);
  if (down.length) {
    throw new IwpError(ErrorCode.FAILED, `local cluster ${name} is not running (${down.join(', ')} stopped; logs in ${join(dir, 'logs')}); delete and create it again`);
  }
  const core = await coreApi(st.kubeconfig);
  const nodes = await nodeReadiness(core);
  const runtimeOf = (n: string) => st.nodes.find((r) => r.name === n)?.runtime ?? (st.slot === undefined ? 'kwok' : 'containerd');
  const roleOf = (labels: Record<string, string>) => ('node-role.kubernetes.io/control-plane' in labels ? 'control-plane' : 'worker');
  const plan = st.slot === undefined ? undefined : netPlan(st.slot);
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    name,
    provider: 'local',
    kubeconfig: st.kubeconfig,
    context: st.context,
    server: st.server,
    nodes: nodes.map((n) => ({
      name: n.name, role: roleOf(n.labels), ready: n.ready, runtime: runtimeOf(n.name),
      ...(n.address && runtimeOf(n.name) === 'containerd' ? { address: n.address } : {}),
    })),
    ...(st.registry ? { registry: st.registry } : {}),
    ...(plan ? { network: { podCidr: plan.podCidr, serviceCidr: plan.serviceCidr, dns: plan.dnsIp, hostIp: plan.hostIp, bridge: plan.hostBridge } } : {}),
    stateDir: dir,
  } as Cluster;
}
