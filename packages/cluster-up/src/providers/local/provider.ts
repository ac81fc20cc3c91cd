import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { API_VERSION } from '@iwp/core';
import { resolveBinDir } from '../../bins.js';
import { createLocal } from '../../local/create.js';
import { deleteLocal } from '../../local/delete.js';
import { statusLocal } from '../../local/status.js';
import type { ClusterEntry, Provider } from '../types.js';
import { localPlan, type LocalPlan } from './plan.js';

/** local: a control plane and real (or simulated) nodes as processes on this machine (src/local). */
export function localProvider(): Provider<LocalPlan> {
  return {
    name: 'local',
    plan: localPlan,
    async create(plan, ctx) {
      const binDir = await resolveBinDir(ctx.run, plan.binDir, plan.kubernetes.version);
      return createLocal({
        name: plan.name, nodes: plan.nodes, binDir, stateDir: plan.stateDir, run: ctx.run, logger: ctx.logger, timeoutMs: ctx.timeoutMs,
        ...(plan.registry ? { registry: plan.registry } : {}), ...(plan.sandboxImage ? { sandboxImage: plan.sandboxImage } : {}),
      });
    },
    status: (ref) => statusLocal(ref.name, ref.stateDir),
    async delete(ref, ctx) {
      return { apiVersion: API_VERSION, kind: 'ClusterDeletion', provider: 'local', ...(await deleteLocal(ref.name, ref.stateDir, ctx.run)) };
    },
    async list(dirs) {
      const out: ClusterEntry[] = [];
      for (const dir of dirs) {
        const name = dir.split('/').pop()!;
        try {
          const c = await statusLocal(name, dir);
          out.push({ name, provider: 'local', stateDir: dir, running: true, kubeconfig: c.kubeconfig });
        } catch (err) {
          out.push({ name, provider: 'local', stateDir: dir, running: false, detail: (err as Error).message });
        }
      }
      return out;
    },
    owns: async (dir) => stat(join(dir, 'state.json')).then(() => true, () => false),
  };
}
