import type { KubernetesObject } from '@kubernetes/client-node';
import { ErrorCode, IwpError } from '@iwp/core';

/** ko's image references in Knative's config: `ko://<Go import path of the binary>`. */
export const KO = 'ko://';

/** The components iwp builds from knative.dev/serving, by their ko import path. */
export const SERVING_COMPONENTS = ['controller', 'webhook', 'autoscaler', 'activator', 'queue'] as const;
export type ServingComponent = (typeof SERVING_COMPONENTS)[number];
export const importPath = (c: ServingComponent) => `knative.dev/serving/cmd/${c}`;

/** Knative's release for a module version: knative.dev/serving v0.N.M is Knative v1.(N-27).M. */
export function knativeRelease(moduleVersion: string): string {
  const m = /^v0\.(\d+)\.(\d+)$/.exec(moduleVersion);
  if (!m || Number(m[1]) < 28) throw new IwpError(ErrorCode.BAD_INPUT, `--version: expected a knative.dev/serving release module version v0.N.M (N >= 28), got ${moduleVersion}`);
  return `v1.${Number(m[1]) - 27}.${m[2]}`;
}

/**
 * The images Knative publishes for a release: `gcr.io/knative-releases/<import path>`.
 * Tagged with the release, because the digests (in the release's serving-core.yaml) cannot be
 * read offline here; the controller resolves tags of Deployments' images itself only for
 * revisions, so these are pulled by tag.
 */
export function releaseImageRefs(moduleVersion: string, paths: string[]): Record<string, string> {
  const tag = knativeRelease(moduleVersion);
  return Object.fromEntries(paths.map((p) => [p, `gcr.io/knative-releases/${p}:${tag}`]));
}

/** Every `ko://` import path that the objects refer to, sorted. */
export function koPaths(objects: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') { if (v.startsWith(KO)) found.add(v.slice(KO.length)); } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(objects);
  return [...found].sort();
}

/** The objects with every `ko://PATH` replaced by refs[PATH]; a path without a ref is an error (never installed). */
export function resolveImages(objects: KubernetesObject[], refs: Record<string, string>): KubernetesObject[] {
  const missing = koPaths(objects).filter((p) => !refs[p]);
  if (missing.length) throw new IwpError(ErrorCode.FAILED, `no image for ${missing.map((p) => KO + p).join(', ')}`);
  const map = (v: unknown): unknown => {
    if (typeof v === 'string') return v.startsWith(KO) ? refs[v.slice(KO.length)] : v;
    if (Array.isArray(v)) return v.map(map);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, map(x)]));
    return v;
  };
  return objects.map((o) => map(o) as KubernetesObject);
}
