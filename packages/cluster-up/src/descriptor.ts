import { readDescriptor, validateDocument, type Environment, type Runner } from '@iwp/core';
import type { NodeRequest } from './local/nodes.js';

/**
 * Reads an environment descriptor: a `.nix` file evaluated with
 * `nix-instantiate --eval --strict --json`, or its JSON. Errors name the field.
 */
export async function loadDescriptor(run: Runner, path: string): Promise<Environment> {
  return validateDocument(await readDescriptor(run, path, 'environment descriptor:'), ['Environment'], `-f ${path}`);
}

/** The simulated nodes a local cluster gets for a descriptor: one per requested node. */
export function localNodes(env: Environment): NodeRequest[] {
  const out: NodeRequest[] = [];
  env.nodes.forEach((n) => {
    for (let i = 1; i <= n.count; i++) {
      const role = n.role;
      out.push({
        name: `${env.name}-${role === 'control-plane' ? 'control-plane' : 'worker'}-${out.filter((o) => o.role === role).length + 1}`,
        role,
        runtime: n.runtime ?? 'containerd',
        labels: n.labels ?? {},
        taints: [
          ...(role === 'control-plane' ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] : []),
          ...(n.taints ?? []),
        ],
      });
    }
  });
  return out;
}
