import { readFile } from 'node:fs/promises';
import { IwpError, ErrorCode, parseJson, validateDocument, type Environment, type Runner } from '@iwp/core';
import type { NodeRequest } from './local/nodes.js';

/**
 * Reads an environment descriptor: a `.nix` file evaluated with
 * `nix-instantiate --eval --strict --json`, or its JSON. Errors name the field.
 */
export async function loadDescriptor(run: Runner, path: string): Promise<Environment> {
  const source = `-f ${path}`;
  let value: unknown;
  if (path.endsWith('.nix')) {
    const r = await run('nix-instantiate', ['--eval', '--strict', '--json', path], { reject: false });
    if (r.exitCode !== 0) {
      const msg = r.stderr.split('\n').map((l) => l.trim()).find((l) => l.includes('environment descriptor:'))
        ?? r.stderr.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error:')).pop() ?? r.stderr.trim();
      throw new IwpError(ErrorCode.BAD_INPUT, `${source}: ${msg.replace(/^error:\s*/, '').replace(/^.*environment descriptor:\s*/, '')}`);
    }
    value = parseJson(r.stdout, source);
  } else {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      throw new IwpError(ErrorCode.FILE_NOT_FOUND, `${source}: no such file`);
    }
    value = parseJson(text, source);
  }
  return validateDocument(value, ['Environment'], source);
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
