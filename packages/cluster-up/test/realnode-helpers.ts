import { join } from 'node:path';
import { execa } from 'execa';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { cliRunner } from '@iwp/core/testing';

// Real nodes: kubelet, containerd, runc, CNI, kube-proxy and CoreDNS on this machine, the
// helloworld image built by nix-image and pulled from the test registry. Needs root.
export const root = join(import.meta.dirname, '..', '..', '..');
export const bin = join(root, 'packages', 'cluster-up', 'bin', 'run.js');
export const binDir = process.env.IWP_K8S_BIN;
export const registry = process.env.IWP_REGISTRY;
export const skip = !binDir || !registry ? 'IWP_K8S_BIN and IWP_REGISTRY not set (scripts/testenv up)' : process.getuid?.() !== 0 ? 'needs root' : false;
export const cli = cliRunner(bin, { json: 'end' });
export const kubectl = (kubeconfig: string, args: string[]) =>
  execa(join(binDir ?? '', 'kubectl'), args, { reject: false, env: { KUBECONFIG: kubeconfig }, timeout: 60_000 });
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

export async function get(url: string): Promise<string | undefined> {
  const r = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return r.ok ? await r.text() : undefined;
}

export async function readyPods(core: CoreV1Api, app: string): Promise<V1Pod[] | undefined> {
  const pods = (await core.listNamespacedPod({ namespace: 'default', labelSelector: `app=${app}` })).items
    .filter((p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
  return pods.length ? pods : undefined;
}

export function deployment(name: string, image: string, env: Record<string, string> = {}) {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 1,
          containers: [{
            name, image, ports: [{ containerPort: 8080 }],
            env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
            readinessProbe: { httpGet: { path: '/', port: 8080 }, periodSeconds: 1 },
          }],
        },
      },
    },
  };
}
