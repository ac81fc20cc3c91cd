import type { AppsV1Api, KubeConfig, KubernetesObject, V1CustomResourceDefinition, V1Deployment } from '@kubernetes/client-node';
import { kubeClientNode, pollUntil, timedOut } from '@iwp/core';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitEstablished(kc: KubeConfig, names: string[], deadline: number): Promise<void> {
  const ext = kc.makeApiClient(kubeClientNode().ApiextensionsV1Api);
  for (const name of names) {
    await pollUntil(async () => {
      const cur: V1CustomResourceDefinition = await ext.readCustomResourceDefinition({ name });
      return Boolean(cur.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'));
    }, deadline, `CRD ${name} not Established in time`);
  }
}

/** Rolled out as `kubectl rollout status` means it: the generation observed, every replica updated and available. */
export function rolledOut(d: V1Deployment): boolean {
  const s = d.status ?? {};
  const want = d.spec?.replicas ?? 1;
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && (s.updatedReplicas ?? 0) >= want
    && (s.replicas ?? 0) === (s.updatedReplicas ?? 0) && (s.availableReplicas ?? 0) >= want;
}

/** Waits until the Deployments among `objects` have rolled out; the deadline names those that have not. */
export async function waitRolledOut(apps: AppsV1Api, objects: KubernetesObject[], deadline: number): Promise<void> {
  const pending = objects.filter((o) => o.kind === 'Deployment').map((o) => ({ name: o.metadata!.name!, namespace: o.metadata!.namespace! }));
  while (pending.length) {
    const last: string[] = [];
    for (const d of [...pending]) {
      const cur = await apps.readNamespacedDeployment(d);
      if (rolledOut(cur)) pending.splice(pending.indexOf(d), 1);
      else last.push(`${d.namespace}/${d.name} (${cur.status?.availableReplicas ?? 0}/${cur.spec?.replicas ?? 1} available${cur.status?.conditions?.filter((c) => c.status !== 'True').map((c) => `; ${c.reason}: ${c.message}`).join('') ?? ''})`);
    }
    if (!pending.length) return;
    if (Date.now() > deadline) throw timedOut(`not rolled out in time: ${last.join(', ')}`);
    await sleep(500);
  }
}

/**
 * Waits until Knative's webhook has taken over its configurations: it writes its CA into every
 * webhook of them (clientConfig.caBundle) once it sees them. Before that, a request they cover
 * fails closed, so install returns only after.
 */
export async function waitWebhooksConfigured(kc: KubeConfig, configs: KubernetesObject[], deadline: number): Promise<void> {
  const adm = kc.makeApiClient(kubeClientNode().AdmissionregistrationV1Api);
  for (const c of configs) {
    const name = c.metadata!.name!;
    await pollUntil(async () => {
      const cur = c.kind === 'MutatingWebhookConfiguration' ? await adm.readMutatingWebhookConfiguration({ name }) : await adm.readValidatingWebhookConfiguration({ name });
      return (cur.webhooks ?? []).every((w) => w.clientConfig.caBundle);
    }, deadline, `${c.kind} ${name}: the webhook has not written its CA into it in time`);
  }
}
