import { readFile } from 'node:fs/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Cluster } from './documents.js';
import { ErrorCode, IwpError } from './errors.js';
import { parseJson } from './input.js';
import { loadKubeConfig } from './kube.js';
import { validateDocument } from './validate.js';

/** The cluster: a Cluster document (stdin or --cluster), else --kubeconfig, else kubectl's defaults. */
export async function clusterConfig(f: { cluster?: string; kubeconfig?: string; context?: string }, fromStdin?: Cluster): Promise<KubeConfig> {
  let doc = fromStdin;
  if (!doc && f.cluster) {
    const text = await readFile(f.cluster, 'utf8').catch(() => {
      throw new IwpError(ErrorCode.FILE_NOT_FOUND, `--cluster: ${f.cluster}: no such file`);
    });
    doc = validateDocument(parseJson(text, `--cluster ${f.cluster}`), ['Cluster'], `--cluster ${f.cluster}`);
  }
  if (doc) return loadKubeConfig(doc, f.context, f.cluster ? `--cluster ${f.cluster}: kubeconfig` : 'Cluster.kubeconfig');
  if (f.kubeconfig) return loadKubeConfig({ kubeconfig: f.kubeconfig }, f.context);
  return loadKubeConfig(undefined, f.context);
}
