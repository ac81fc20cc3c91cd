import type { KubernetesObject } from '@kubernetes/client-node';
import { resolveImages } from './images.js';
import type { KnativeManifest } from './release.js';

export const SYSTEM_NAMESPACE = 'knative-serving';

/**
 * What `install` applies, in three steps: namespaces and CRDs (then Established); every other
 * object but the webhook configurations (then every Deployment rolled out); the webhook
 * configurations.
 */
export interface InstallPlan {
  crds: KubernetesObject[];
  objects: KubernetesObject[];
  webhookConfigs: KubernetesObject[];
}

export interface RenderOptions {
  /** ko import path -> image (built digests or the release's) */
  images: Record<string, string>;
  /** config map name -> key -> value layered over knative-serving's config maps */
  overrides: Record<string, Record<string, string>>;
  /** only the API (namespace, CRDs, config maps): for controllers run elsewhere (the test environment) */
  apiOnly?: boolean;
  /** the networking layer's objects (Kourier, or iwp's ingress) */
  networking?: KubernetesObject[];
}

type Data = { data?: Record<string, string> };

function overlay(objects: KubernetesObject[], overrides: Record<string, Record<string, string>>): KubernetesObject[] {
  const out = objects.map((o) => {
    const data = o.kind === 'ConfigMap' && o.metadata?.namespace === SYSTEM_NAMESPACE ? overrides[o.metadata.name!] : undefined;
    return data ? { ...o, data: { ...(o as Data).data, ...data } } as KubernetesObject : o;
  });
  for (const [name, data] of Object.entries(overrides)) {
    if (!out.some((o) => o.kind === 'ConfigMap' && o.metadata?.name === name)) {
      out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: SYSTEM_NAMESPACE }, data } as KubernetesObject);
    }
  }
  return out;
}

const first = (o: KubernetesObject) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition';
const isWebhookConfig = (o: KubernetesObject) => o.kind === 'ValidatingWebhookConfiguration' || o.kind === 'MutatingWebhookConfiguration';
const RBAC = new Set(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
/**
 * What pods need before they are created (service accounts and RBAC, the config maps they
 * watch, the webhook's Secret) goes ahead of the Deployments, so that no ReplicaSet meets a
 * missing service account and backs off.
 */
const needed = (o: KubernetesObject) => RBAC.has(o.kind!) || o.kind === 'ConfigMap' || o.kind === 'Secret';

/** The install as data: images resolved (no `ko://` left), iwp's settings layered, in apply order. */
export function renderInstall(serving: KnativeManifest, opts: RenderOptions): InstallPlan {
  let objects = overlay(serving.objects, opts.overrides);
  if (opts.apiOnly) objects = objects.filter((o) => first(o) || o.kind === 'ConfigMap');
  else objects = [...objects, ...(opts.networking ?? [])];
  objects = resolveImages(objects, opts.images);
  const crds = objects.filter(first);
  const others = objects.filter((o) => !first(o) && !isWebhookConfig(o));
  // The webhook configurations fail requests closed (failurePolicy Fail): they come once the
  // webhook answers. Knative's controllers need nothing of the webhook, so their pods start
  // beside it (before: after its rollout, 3-5 s later on one real node).
  return { crds, objects: [...others.filter(needed), ...others.filter((o) => !needed(o))], webhookConfigs: objects.filter(isWebhookConfig) };
}
