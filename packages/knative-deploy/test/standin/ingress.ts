import type { CustomObjectsApi, KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { kubeClientNode, serverSideApply } from '@iwp/core';
import { isReady, readyStatus } from '../../src/ingress/routes.js';

const GROUP = 'networking.internal.knative.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'ingresses';

interface KIngress {
  metadata: { name: string; namespace: string; generation?: number; resourceVersion?: string };
  status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] };
}

/** Namespaces with this label set to "off" are left alone: their routes never become Ready. */
export const SKIP_LABEL = 'networking.iwp.dev/local-ingress';

export interface LocalIngressOptions {
  /** the in-cluster name routes point at (an ExternalName the Route's placeholder Service uses) */
  gateway?: string;
  signal: AbortSignal;
  onReconciled?: (namespace: string, name: string) => void;
}

const ready = isReady;

async function reconcile(api: CustomObjectsApi, i: KIngress, gateway: string): Promise<boolean> {
  if (ready(i)) return false;
  const k8s = kubeClientNode();
  await api.patchNamespacedCustomObjectStatus(
    { group: GROUP, version: VERSION, namespace: i.metadata.namespace, plural: PLURAL, name: i.metadata.name, body: { status: readyStatus(i, gateway) } },
    k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
  );
  return true;
}

/**
 * The activator's Service and (empty) Endpoints in knative-serving: Knative's
 * ServerlessService reconciler reads them to put the activator in the path of a revision
 * scaled to zero. In a cluster the activator Deployment's pods fill them.
 */
export async function ensureActivatorService(kc: KubeConfig, namespace = 'knative-serving'): Promise<void> {
  const k8s = kubeClientNode();
  const meta = { name: 'activator-service', namespace, labels: { 'app.kubernetes.io/managed-by': 'iwp', app: 'activator' } };
  await serverSideApply(k8s.KubernetesObjectApi.makeApiClient(kc), [
    { apiVersion: 'v1', kind: 'Service', metadata: meta, spec: { ports: [{ name: 'http', port: 80, targetPort: 8012 }, { name: 'http2', port: 81, targetPort: 8013 }] } },
    { apiVersion: 'v1', kind: 'Endpoints', metadata: meta },
  ] as import('@kubernetes/client-node').KubernetesObject[]);
}

/**
 * A stand-in for Knative's networking layer (Kourier, Istio, Contour) where no gateway pods
 * can run: it marks every KIngress (networking.internal.knative.dev) Ready with a load
 * balancer address, as a networking layer does once its gateways program the routes, so that
 * Knative's own Route and Service reconcilers can finish (LocalDataPlane routes the requests).
 * Namespaces labelled `networking.iwp.dev/local-ingress=off` are skipped (a networking layer
 * that never answers). Follows KIngresses with an informer; resolves when `signal` aborts.
 */
export async function runLocalIngress(kc: KubeConfig, opts: LocalIngressOptions): Promise<void> {
  const k8s = kubeClientNode();
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  const gateway = opts.gateway ?? 'knative-local-gateway.knative-serving.svc.cluster.local';
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const skipped = async (ns: string) => (await core.readNamespace({ name: ns })).metadata?.labels?.[SKIP_LABEL] === 'off';
  const informer = k8s.makeInformer<KIngress & KubernetesObject>(kc, `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    async () => (await api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as KubernetesListObject<KIngress & KubernetesObject>);
  const handle = async (i: KIngress) => {
    try {
      if (!ready(i) && !(await skipped(i.metadata.namespace)) && await reconcile(api, i, gateway)) opts.onReconciled?.(i.metadata.namespace, i.metadata.name);
    } catch (err) {
      // deleted: nothing to do; anything else: try again with what the informer has then
      if ((err as { code?: number }).code === 404 || opts.signal.aborted) return;
      process.stderr.write(`local-ingress: ${i.metadata.namespace}/${i.metadata.name}: ${(err as Error).message}; retrying\n`);
      setTimeout(() => {
        const cur = informer.get(i.metadata.name, i.metadata.namespace);
        if (cur) void handle(cur);
      }, 1000);
    }
  };
  informer.on('add', (i) => void handle(i));
  informer.on('update', (i) => void handle(i));
  // the informer resumes closed watches and re-lists on 410; after an error it is restarted
  informer.on('error', (err) => {
    if (opts.signal.aborted) return;
    process.stderr.write(`local-ingress: ${(err as Error)?.message ?? err}; retrying\n`);
    setTimeout(() => void informer.start().catch(() => undefined), 1000);
  });
  await ensureActivatorService(kc);
  await informer.start();
  await new Promise<void>((resolve) => (opts.signal.aborted ? resolve() : opts.signal.addEventListener('abort', () => resolve(), { once: true })));
  await informer.stop();
}
