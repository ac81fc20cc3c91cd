import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { kubeClientNode, notFound, writeFileAtomic } from '@iwp/core';

/**
 * Merges a cluster's kubeconfig into `target`: entries of the same names are replaced,
 * everything else is kept, and the current context becomes the cluster's.
 */
export async function mergeKubeconfig(source: string, target: string, clusterName: string): Promise<{ context: string }> {
  const text = await readFile(source, 'utf8').catch(() => {
    throw notFound(`kubeconfig of cluster ${clusterName} (${source})`);
  });
  const k8s = kubeClientNode();
  const kc = new k8s.KubeConfig();
  const existing = await readFile(target, 'utf8').catch(() => undefined);
  if (existing) kc.loadFromString(existing);
  const add = new k8s.KubeConfig();
  add.loadFromString(text);
  kc.clusters = [...kc.clusters.filter((c) => !add.clusters.some((a) => a.name === c.name)), ...add.clusters];
  kc.users = [...kc.users.filter((u) => !add.users.some((a) => a.name === u.name)), ...add.users];
  kc.contexts = [...kc.contexts.filter((c) => !add.contexts.some((a) => a.name === c.name)), ...add.contexts];
  kc.setCurrentContext(add.getCurrentContext());
  await writeFileAtomic(target, stringify(JSON.parse(kc.exportConfig())), { mode: 0o600 });
  return { context: add.getCurrentContext() };
}
