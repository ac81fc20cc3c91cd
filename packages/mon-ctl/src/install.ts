import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { doc, ErrorCode, IwpError, kubeClientNode, serverSideApply, type MonitoringStack } from '@iwp/core';
import { ADMIN_SECRET } from './grafana.js';
import type { Obj } from './k8s.js';
import { rollouts, type Rollout } from './status.js';

export interface InstallOptions {
  timeoutMs: number;
  wait?: boolean;
  log?: (msg: string) => void;
}

/**
 * Applies the stack server-side, object by object, reporting which ones changed (a second
 * install changes nothing); creates the Grafana admin Secret once with a random password;
 * waits until every Deployment and DaemonSet has rolled out (TIMEOUT, exit 5, otherwise).
 */
export async function installStack(kc: KubeConfig, ns: string, objects: Obj[], opts: InstallOptions): Promise<MonitoringStack & { changed: string[]; unchanged: number }> {
  const k8s = kubeClientNode();
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const changed: string[] = [];
  let unchanged = 0;
  for (const obj of objects) {
    const id = `${obj.kind}/${obj.metadata!.name}`;
    if (obj.kind === 'Secret' && obj.metadata!.name === ADMIN_SECRET) {
      if (await exists(() => core.readNamespacedSecret({ name: ADMIN_SECRET, namespace: ns }))) unchanged++;
      else {
        await core.createNamespacedSecret({ namespace: ns, body: { ...(obj as object), stringData: { password: randomBytes(18).toString('base64url') } } });
        changed.push(id);
      }
      continue;
    }
    const before = await client.read(obj as KubernetesObject & { metadata: { name: string } }).catch(() => undefined);
    const [after] = await serverSideApply(client, [obj]);
    if (before?.metadata?.resourceVersion === after?.metadata?.resourceVersion) unchanged++;
    else {
      changed.push(id);
      opts.log?.(`${before ? 'configured' : 'created'} ${id}`);
    }
  }
  let state = await rollouts(kc, ns);
  if (opts.wait !== false) {
    const deadline = Date.now() + opts.timeoutMs;
    while (!state.every((r) => r.ready)) {
      if (Date.now() > deadline) {
        const waiting = state.filter((r) => !r.ready).map((r) => `${r.kind}/${r.name} ${r.available}/${r.desired}`);
        throw new IwpError(ErrorCode.TIMEOUT, `the monitoring stack did not roll out in ${Math.round(opts.timeoutMs / 1000)}s: ${waiting.join(', ')}`, { details: { waiting } });
      }
      await sleep(500);
      state = await rollouts(kc, ns);
    }
  }
  return { ...stackDocument(ns, state), changed, unchanged };
}

export function stackDocument(ns: string, state: Rollout[]): MonitoringStack {
  return doc('MonitoringStack', {
    namespace: ns,
    components: state.map((r) => ({ name: r.name, kind: r.kind, ready: r.ready, available: r.available, desired: r.desired })),
    prometheusUrl: `http://prometheus.${ns}.svc:9090`,
    grafanaUrl: `http://grafana.${ns}.svc:3000`,
  });
}

async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return false;
    throw err;
  }
}
