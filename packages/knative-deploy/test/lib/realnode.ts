import { request } from 'node:http';
import { kubeClientNode, loadKubeConfig } from '@iwp/core';
import { realCluster } from '@iwp/core/testing';

export const registry = process.env.IWP_REGISTRY;
export { realCluster };

export function clientsOf(kubeconfig: string) {
  const k8s = kubeClientNode();
  const kc = loadKubeConfig({ kubeconfig });
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), apps: kc.makeApiClient(k8s.AppsV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi) };
}

export interface Answer { status: number; body: string; ms: number }

/** One GET to `addr` (host:port) with a Host header, as a client outside the cluster sends it to the ingress. */
export function get(addr: string, host: string, path = '/', timeoutMs = 120_000): Promise<Answer> {
  const [h, p] = addr.split(':') as [string, string];
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request({ host: h, port: Number(p), path, headers: { host }, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ms: performance.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET http://${host}${path} via ${addr}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 120_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Ready pods of a revision (`all`: every pod, terminating ones included). */
export async function revisionPods(kubeconfig: string, namespace: string, revision: string, all = false): Promise<number> {
  const { core } = clientsOf(kubeconfig);
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: `serving.knative.dev/revision=${revision}` })).items;
  return all ? pods.length : pods.filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
}
