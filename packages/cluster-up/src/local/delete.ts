import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, IwpError, runProcess, type Runner } from '@iwp/core';
import { CONTROL_PLANE } from './controlplane.js';
import { netPlan } from './netplan.js';
import { stopAll } from './procs.js';
import { deleteRealNodes } from './realnode-delete.js';
import { realNodeNets } from './realnode.js';
import { exists, isReal, localStateDir, readState } from './state.js';

/**
 * Removes the cluster: its real nodes (processes, containers, mounts, namespaces, bridge,
 * cgroups), then exactly the recorded control-plane processes, then the state dir. Fine when
 * nothing is there, and when components already died.
 */
export async function deleteLocal(
  name: string, stateDir?: string, run?: Runner, opts: { keepLogs?: boolean } = {},
): Promise<{ name: string; stopped: string[]; removed: boolean; killed?: number }> {
  const dir = localStateDir(name, stateDir);
  const there = await exists(dir);
  if (!there) return { name, stopped: [], removed: false };
  const st = await readState(dir, name).catch(() => undefined);
  let killed: number | undefined;
  let failure: unknown;
  if (st?.slot !== undefined) {
    const runner = run ?? runProcess;
    const plan = netPlan(st.slot);
    try {
      killed = (await deleteRealNodes(runner, dir, plan, realNodeNets(plan, st.nodes.filter(isReal)))).killed;
    } catch (err) {
      failure = err;
    }
  }
  // the control plane goes whatever happened to the nodes; the state stays for another try
  const stopped = await stopAll(dir, CONTROL_PLANE);
  if (failure) throw new IwpError(ErrorCode.FAILED, `deleting the nodes of ${name}: ${(failure as Error).message}; run delete again`, { cause: failure });
  if (opts.keepLogs) {
    for (const e of await readdir(dir)) if (e !== 'logs') await rm(join(dir, e), { recursive: true, force: true });
  } else {
    await rm(dir, { recursive: true, force: true });
  }
  return { name, stopped, removed: true, ...(killed !== undefined ? { killed } : {}) };
}
