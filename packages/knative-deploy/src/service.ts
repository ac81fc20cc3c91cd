import type { CustomObjectsApi, KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, ErrorCode, IwpError, badInput, notFound, timedOut, type Image, type KnativeService } from '@iwp/core';

export const GROUP = 'serving.knative.dev';
export const VERSION = 'v1';

export interface TrafficSplit {
  revisionName?: string;
  latestRevision?: boolean;
  percent: number;
  tag?: string;
}

export interface ServiceSpec {
  name: string;
  namespace: string;
  image: string;
  env?: Record<string, string>;
  port?: number;
  minScale?: number;
  maxScale?: number;
  /** soft concurrency target per pod (autoscaling.knative.dev/target) */
  target?: number;
  /** hard limit of requests in flight per pod (containerConcurrency), 0 = unlimited */
  concurrencyLimit?: number;
  traffic?: TrafficSplit[];
  labels?: Record<string, string>;
}

/** The image to run: pinned by digest when the document says where it was pushed. */
export function imageFromDocument(img: Image): string {
  if (img.ref.startsWith('oci-dir:')) throw badInput('Image.ref', 'an image pushed to a registry (nix-image build --push REF)', img.ref);
  const repo = img.repository ?? img.ref.replace(/@sha256:[0-9a-f]{64}$/, '').replace(/:[^/:]+$/, '');
  return `${repo}@${img.digest}`;
}

/** `--traffic @latest=90,v1=10` style splits; percentages must add up to 100. */
export function parseTraffic(values: string[], tags: string[] = []): TrafficSplit[] | undefined {
  if (values.length === 0 && tags.length === 0) return undefined;
  const splits: TrafficSplit[] = values.flatMap((v) => v.split(',')).map((part) => {
    const m = /^(@latest|[a-z0-9]([-a-z0-9]*[a-z0-9])?)=(\d{1,3})$/.exec(part.trim());
    if (!m) throw badInput('--traffic', 'REVISION=PERCENT or @latest=PERCENT', part);
    const percent = Number(m[3]);
    return m[1] === '@latest' ? { latestRevision: true, percent } : { revisionName: m[1]!, latestRevision: false, percent };
  });
  if (!values.length) splits.push({ latestRevision: true, percent: 100 });
  const sum = splits.reduce((a, s) => a + s.percent, 0);
  if (splits.length && sum !== 100) throw badInput('--traffic', 'percentages that add up to 100', sum);
  for (const t of tags) {
    const m = /^(@latest|[a-z0-9]([-a-z0-9]*[a-z0-9])?)=([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(t);
    if (!m) throw badInput('--tag', 'REVISION=TAG or @latest=TAG', t);
    const target = splits.find((s) => (m[1] === '@latest' ? s.latestRevision : s.revisionName === m[1]));
    if (target) target.tag = m[3]!;
    else splits.push(m[1] === '@latest' ? { latestRevision: true, percent: 0, tag: m[3]! } : { revisionName: m[1]!, latestRevision: false, percent: 0, tag: m[3]! });
  }
  return splits;
}

/** The Knative Service object, as `kn service create` would write it. */
export function serviceManifest(s: ServiceSpec): KubernetesObject & { spec: unknown } {
  const ann: Record<string, string> = { 'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'concurrency' };
  if (s.minScale !== undefined) ann['autoscaling.knative.dev/min-scale'] = String(s.minScale);
  if (s.maxScale !== undefined) ann['autoscaling.knative.dev/max-scale'] = String(s.maxScale);
  if (s.target !== undefined) ann['autoscaling.knative.dev/target'] = String(s.target);
  const container: Record<string, unknown> = {
    image: s.image,
    ...(s.env && Object.keys(s.env).length ? { env: Object.entries(s.env).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value })) } : {}),
    ...(s.port ? { ports: [{ containerPort: s.port }] } : {}),
  };
  return {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'Service',
    metadata: { name: s.name, namespace: s.namespace, labels: { 'app.kubernetes.io/managed-by': 'iwp', ...s.labels } },
    spec: {
      template: {
        metadata: { annotations: ann },
        spec: { ...(s.concurrencyLimit !== undefined ? { containerConcurrency: s.concurrencyLimit } : {}), containers: [container] },
      },
      ...(s.traffic ? { traffic: s.traffic } : {}),
    },
  };
}

interface KService {
  metadata: { name: string; namespace: string; generation?: number };
  spec?: { template?: { spec?: { containers?: { image?: string }[] } } };
  status?: {
    observedGeneration?: number;
    url?: string;
    latestReadyRevisionName?: string;
    latestCreatedRevisionName?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
    traffic?: KnativeService['traffic'];
  };
}

export function toDocument(svc: KService): KnativeService {
  const ready = isReady(svc);
  return {
    apiVersion: API_VERSION,
    kind: 'KnativeService',
    name: svc.metadata.name,
    namespace: svc.metadata.namespace,
    ...(svc.status?.url ? { url: svc.status.url } : {}),
    ...(svc.spec?.template?.spec?.containers?.[0]?.image ? { image: svc.spec.template.spec.containers[0].image } : {}),
    ready,
    generation: svc.metadata.generation ?? 0,
    ...(svc.status?.observedGeneration !== undefined ? { observedGeneration: svc.status.observedGeneration } : {}),
    ...(svc.status?.latestReadyRevisionName ? { latestReadyRevision: svc.status.latestReadyRevisionName } : {}),
    ...(svc.status?.latestCreatedRevisionName ? { latestCreatedRevision: svc.status.latestCreatedRevisionName } : {}),
    traffic: svc.status?.traffic ?? [],
  };
}

function isReady(svc: KService): boolean {
  return svc.status?.observedGeneration === svc.metadata.generation
    && (svc.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function getService(api: CustomObjectsApi, namespace: string, name: string): Promise<KService> {
  try {
    return (await api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'services', name })) as KService;
  } catch (err) {
    if ((err as { code?: number }).code === 404) throw notFound(`service ${namespace}/${name}`);
    throw err;
  }
}

/**
 * Waits until the controller has seen the current generation and says Ready (as
 * `kn service create --wait` does); a Ready=False of the current generation fails at once.
 */
export async function waitReady(api: CustomObjectsApi, namespace: string, name: string, timeoutMs: number): Promise<KService> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const svc = await getService(api, namespace, name);
    if (isReady(svc)) return svc;
    const failed = svc.status?.observedGeneration === svc.metadata.generation
      ? svc.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'False') : undefined;
    if (failed) throw new IwpError(ErrorCode.FAILED, `service ${namespace}/${name} failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim());
    if (Date.now() > deadline) throw timedOut(`service ${namespace}/${name} not Ready after ${Math.round(timeoutMs / 1000)}s (generation ${svc.metadata.generation}, observed ${svc.status?.observedGeneration ?? 'none'})`);
    await new Promise((r) => setTimeout(r, 300));
  }
}
