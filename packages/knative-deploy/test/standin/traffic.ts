import type { KubernetesObject, ObjectCache } from '@kubernetes/client-node';

interface Route { revisionName?: string; percent?: number; tag?: string }
/** A Knative Service as the stand-in reads it: its status.traffic. */
export type KService = KubernetesObject & { status?: { traffic?: Route[] } };

/** The revision a request for `first.ns` goes to: a tag's revision, or a weighted pick of the split. */
export function revisionFor(services: ObjectCache<KService>, first: string, ns: string): string | undefined {
  const svc = services.get(first, ns);
  if (svc) {
    const routes = (svc.status?.traffic ?? []).filter((r) => (r.percent ?? 0) > 0);
    let pick = Math.random() * 100;
    for (const r of routes) {
      pick -= r.percent ?? 0;
      if (pick < 0) return r.revisionName;
    }
    return routes.at(-1)?.revisionName;
  }
  // TAG-NAME (both may contain dashes): the tagged revision
  for (let dash = first.indexOf('-'); dash > 0; dash = first.indexOf('-', dash + 1)) {
    const rev = services.get(first.slice(dash + 1), ns)?.status?.traffic?.find((r) => r.tag === first.slice(0, dash))?.revisionName;
    if (rev) return rev;
  }
  return undefined;
}
