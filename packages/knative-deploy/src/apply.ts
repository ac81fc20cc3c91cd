import { API_VERSION, jsonChanges, pool, type KnativeServiceDiff } from '@iwp/core';
import type { Knative, KService } from './client.js';
import { serviceManifest, validateSpec, type ServiceSpec } from './spec.js';
import { planTraffic, type TrafficFlags } from './traffic.js';
import { waitReady } from './wait.js';

export interface ServiceRequest {
  spec: Omit<ServiceSpec, 'traffic'>;
  traffic: TrafficFlags;
  /** names the source in errors: a descriptor's `-f FILE: services.hello`, or flags */
  field?: string;
}

const fieldOf = (r: ServiceRequest) => (flag: string, key: string) => (r.field ? `${r.field}.${key}` : flag);
const needsRevisions = (f: TrafficFlags) => [...(f.traffic ?? []), ...(f.tag ?? [])].flatMap((v) => v.split(',')).some((p) => !p.trim().startsWith('@latest='));

/** Checks every request offline (fields, traffic shape); nothing is sent. */
export function validateRequests(reqs: ServiceRequest[]): void {
  for (const r of reqs) {
    validateSpec({ ...r.spec }, fieldOf(r));
    planTraffic(undefined, r.traffic);
  }
}

/**
 * The manifests to apply: traffic refs to revisions are checked against the revisions the
 * service has (one read each), so a split naming an unknown revision is bad input before any
 * write.
 */
export async function manifestsFor(kn: Knative, reqs: ServiceRequest[]): Promise<ReturnType<typeof serviceManifest>[]> {
  validateRequests(reqs);
  return Promise.all(reqs.map(async (r) => {
    const hasTraffic = Boolean(r.traffic.traffic?.length || r.traffic.tag?.length);
    const revisions = hasTraffic && needsRevisions(r.traffic) ? (await kn.listRevisions(r.spec.namespace, r.spec.name)).map((x) => x.metadata.name) : undefined;
    return serviceManifest({ ...r.spec, ...(hasTraffic ? { traffic: planTraffic(undefined, r.traffic, revisions) } : {}) });
  }));
}

export interface ApplyOptions {
  wait: boolean;
  timeoutMs: number;
  errorWindowMs: number;
  /** requests in flight at once */
  parallel?: number;
  onApplied?: (svc: KService) => void;
  onReady?: (svc: KService) => void;
}

/**
 * Server-side applies each service (field manager `iwp`; an unchanged spec leaves generation
 * and revisions alone), then waits with watches until all are Ready for the generation just
 * applied.
 */
export async function applyServices(kn: Knative, reqs: ServiceRequest[], opts: ApplyOptions): Promise<KService[]> {
  const manifests = await manifestsFor(kn, reqs);
  const applied = await pool(manifests, opts.parallel ?? 16, async (m) => {
    const svc = await kn.apply(m);
    opts.onApplied?.(svc);
    return svc;
  });
  if (!opts.wait) return applied;
  const generations = new Map(applied.map((s) => [`${s.metadata.namespace}/${s.metadata.name}`, s.metadata.generation ?? 0]));
  return waitReady(kn, applied.map((s) => s.metadata), { timeoutMs: opts.timeoutMs, errorWindowMs: opts.errorWindowMs, generations, onReady: opts.onReady });
}

const comparable = (s: KService | undefined) =>
  s ? { metadata: { labels: s.metadata.labels ?? {}, annotations: s.metadata.annotations ?? {} }, spec: s.spec ?? {} } : {};

/** What apply would change, from a server-side dry-run apply (defaults and validation included). */
export async function diffServices(kn: Knative, reqs: ServiceRequest[]): Promise<KnativeServiceDiff[]> {
  const manifests = await manifestsFor(kn, reqs);
  return Promise.all(manifests.map(async (m) => {
    const { namespace, name } = m.metadata as { namespace: string; name: string };
    const cur = await kn.findService(namespace, name);
    const next = await kn.apply(m, { dryRun: true });
    const changes = jsonChanges(comparable(cur), comparable(next));
    return {
      apiVersion: API_VERSION, kind: 'KnativeServiceDiff', name, namespace, exists: Boolean(cur),
      newRevision: changes.some((c) => c.path === '/spec' || c.path.startsWith('/spec/template')),
      generation: { from: cur?.metadata.generation ?? null, to: next.metadata.generation ?? 1 },
      changes,
    } satisfies KnativeServiceDiff;
  }));
}
