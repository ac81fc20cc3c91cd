import { join } from 'node:path';
import type { Test } from 'tap';
import { kubeClientNode, loadKubeConfig } from '@iwp/core';
import { cliRunner } from '@iwp/core/testing';

export const bin = join(import.meta.dirname, '..', '..', 'bin', 'run.js');

/** Runs knative-deploy with --json; never throws. */
const run = cliRunner(bin, { json: 'end' });
export const cli = (args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
  run(args, { ...(opts.input !== undefined ? { input: opts.input, stdin: undefined } : {}), env: opts.env });

/** Knative Serving's own controller and autoscaler run in the test environment's `knative` component. */
export const skipUnlessKnative = (!process.env.KUBECONFIG || !process.env.IWP_KNATIVE_BIN) && 'needs the test environment with Knative (scripts/testenv up kube knative)';

export const digest = (c: string) => `sha256:${c.repeat(64)}`;

export function clients() {
  const k8s = kubeClientNode();
  const kc = loadKubeConfig();
  return { kc, core: kc.makeApiClient(k8s.CoreV1Api), custom: kc.makeApiClient(k8s.CustomObjectsApi), apps: kc.makeApiClient(k8s.AppsV1Api) };
}

/** A namespace of its own for a test, deleted afterwards. */
export async function namespace(t: Test, prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const { core } = clients();
  const ns = `${prefix}-${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  await core.createNamespace({ body: { metadata: { name: ns, labels } } });
  t.teardown(() => core.deleteNamespace({ name: ns }).then(() => undefined, () => undefined));
  return ns;
}

export type Obj = {
  metadata: { generation: number; resourceVersion: string; annotations?: Record<string, string> };
  spec: { template: { metadata: { annotations: Record<string, string> }; spec: { containers: { image: string; env?: { name: string; value: string }[] }[] } }; traffic?: unknown[] };
  status?: { observedGeneration?: number; url?: string; conditions?: { type: string; status: string }[]; traffic?: { revisionName: string; percent: number; tag?: string; url?: string; latestRevision?: boolean }[] };
};

export const getObj = (ns: string, plural: string, name: string) =>
  clients().custom.getNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace: ns, plural, name }) as Promise<Obj>;

export const listObjs = async (ns: string, plural: string, labelSelector?: string) =>
  ((await clients().custom.listNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace: ns, plural, labelSelector })) as { items: { metadata: { name: string } }[] }).items;
