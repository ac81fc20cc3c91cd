import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CoreV1Api } from '@kubernetes/client-node';
import { cacheDir, kubeClientNode, loadKubeConfig, notFound, writeFileAtomic } from '@iwp/core';
import type { NodeRequest } from './nodes.js';

/** Service range of clusters without real nodes (nothing on the host routes to it). */
export const SERVICE_CIDR = '10.96.0.0/16';
export const SERVICE_IP = '10.96.0.1';

/** `<state dir>/state.json`: what a local cluster is made of, written before anything starts. */
export interface LocalState {
  name: string;
  server: string;
  kubeconfig: string;
  context: string;
  binDir: string;
  ports: Record<string, number>;
  nodes: NodeRequest[];
  /** processes that must run (control plane and node components) */
  processes?: string[];
  /** network slot of a cluster with real nodes */
  slot?: number;
  registry?: string;
  createdAt: string;
}

export function localStateDir(name: string, stateDir?: string): string {
  return stateDir ?? cacheDir('clusters', name);
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

/** a node with containerd (a real one), not kwok's */
export const isReal = (n: NodeRequest) => (n.runtime ?? 'containerd') === 'containerd';

export async function readState(dir: string, name: string): Promise<LocalState> {
  try {
    return JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as LocalState;
  } catch {
    throw notFound(`local cluster ${name} (no state in ${dir})`);
  }
}

export async function writeState(dir: string, st: LocalState): Promise<void> {
  await writeFileAtomic(join(dir, 'state.json'), `${JSON.stringify(st, null, 2)}\n`);
}

export async function coreApi(kubeconfig: string): Promise<CoreV1Api> {
  return loadKubeConfig({ kubeconfig }).makeApiClient(kubeClientNode().CoreV1Api);
}
