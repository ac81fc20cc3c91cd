import type { CustomObjectsApi, KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ErrorCode, FIELD_MANAGER, IwpError, kubeClientNode, notFound } from '@iwp/core';
import { GROUP, VERSION } from './spec.js';
import type { TrafficTarget } from './traffic.js';

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A Knative Service as the API server stores it (the fields iwp reads). */
export interface KService {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace: string; generation?: number; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: string };
  spec?: { template?: { metadata?: { annotations?: Record<string, string> }; spec?: { containers?: { image?: string }[] } }; traffic?: TrafficTarget[] };
  status?: {
    observedGeneration?: number;
    url?: string;
    latestReadyRevisionName?: string;
    latestCreatedRevisionName?: string;
    conditions?: Condition[];
    traffic?: (TrafficTarget & { url?: string })[];
  };
}

export interface KRevision {
  metadata: { name: string; namespace: string; creationTimestamp?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containerConcurrency?: number; containers?: { image?: string }[] };
  status?: { observedGeneration?: number; conditions?: Condition[]; actualReplicas?: number; desiredReplicas?: number; containerStatuses?: { name?: string; imageDigest?: string }[] };
}

const mergePatch = () => kubeClientNode().setHeaderOptions('Content-Type', kubeClientNode().PatchStrategy.MergePatch);
const applyPatch = () => kubeClientNode().setHeaderOptions('Content-Type', kubeClientNode().PatchStrategy.ServerSideApply);
const code = (err: unknown) => (err as { code?: number }).code;

/** A NOT_FOUND of the object itself, not of Knative's API (which carries a reason). */
const isMissingObject = (err: unknown) => (err as IwpError).code === ErrorCode.NOT_FOUND && !(err as IwpError).details?.reason;

/** The message of a Kubernetes Status in an API error's body. */
function apiMessage(err: unknown): string | undefined {
  const body = (err as { body?: unknown }).body;
  try {
    return (typeof body === 'string' ? (JSON.parse(body) as { message?: string }) : (body as { message?: string } | undefined))?.message;
  } catch {
    return undefined;
  }
}

/**
 * Knative Serving's API through @kubernetes/client-node's custom-objects client. A 404 on a
 * collection is checked against discovery: when the cluster does not serve
 * serving.knative.dev at all, the error says to run `knative-deploy install` (exit 4).
 */
export class Knative {
  readonly api: CustomObjectsApi;
  constructor(readonly kc: KubeConfig) {
    this.api = kc.makeApiClient(kubeClientNode().CustomObjectsApi);
  }

  private async installed(): Promise<boolean> {
    const groups = await this.kc.makeApiClient(kubeClientNode().ApisApi).getAPIVersions();
    return groups.groups.some((g) => g.name === GROUP && g.versions.some((v) => v.version === VERSION));
  }

  /** Maps a 404 from a missing API group to "Knative Serving is not installed". */
  async guard<T>(op: () => Promise<T>, what: string): Promise<T> {
    try {
      return await op();
    } catch (err) {
      if (code(err) === 404) {
        if (!(await this.installed())) {
          throw new IwpError(ErrorCode.NOT_FOUND, `Knative Serving is not installed in ${this.kc.getCurrentCluster()?.server ?? 'the cluster'} (no ${GROUP}/${VERSION} API)`, {
            hint: 'run `knative-deploy install` first',
            details: { reason: 'KnativeNotInstalled' },
          });
        }
        throw notFound(`${what}: ${apiMessage(err) ?? 'not found'}`);
      }
      if (code(err) === 422 || code(err) === 400) {
        throw new IwpError(ErrorCode.BAD_INPUT, `${what}: rejected by the API server: ${apiMessage(err) ?? (err as Error).message}`);
      }
      throw err;
    }
  }

  getService(namespace: string, name: string): Promise<KService> {
    return this.guard(async () => (await this.api.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'services', name })) as KService, `service ${namespace}/${name}`);
  }

  /** The service, or undefined when it does not exist (Knative installed). */
  async findService(namespace: string, name: string): Promise<KService | undefined> {
    try {
      return await this.getService(namespace, name);
    } catch (err) {
      if (isMissingObject(err)) return undefined;
      throw err;
    }
  }

  async listServices(namespace?: string, labelSelector?: string): Promise<KService[]> {
    return this.guard(async () => {
      const res = namespace
        ? await this.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'services', labelSelector })
        : await this.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'services', labelSelector });
      return (res as { items: KService[] }).items;
    }, `services${namespace ? ` in ${namespace}` : ''}`);
  }

  /** The service's revisions, oldest first (by configuration generation). */
  async listRevisions(namespace: string, service: string): Promise<KRevision[]> {
    return this.guard(async () => {
      const res = (await this.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'revisions', labelSelector: `serving.knative.dev/service=${service}` })) as { items: KRevision[] };
      const gen = (r: KRevision) => Number(r.metadata.labels?.['serving.knative.dev/configurationGeneration'] ?? 0);
      return res.items.sort((a, b) => gen(a) - gen(b) || (a.metadata.name < b.metadata.name ? -1 : 1));
    }, `revisions of ${namespace}/${service}`);
  }

  /** Server-side apply of a Service (field manager `iwp` unless given); `dryRun` sends nothing to storage. */
  apply(obj: KubernetesObject, opts: { dryRun?: boolean; fieldManager?: string } = {}): Promise<KService> {
    const { namespace, name } = obj.metadata as { namespace: string; name: string };
    return this.guard(async () => (await this.api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'services', name, body: obj, fieldManager: opts.fieldManager ?? FIELD_MANAGER, force: true, ...(opts.dryRun ? { dryRun: 'All' } : {}) },
      applyPatch(),
    )) as KService, `service ${namespace}/${name}`);
  }

  /** Replaces spec.traffic only (a merge patch: the list is atomic), as `kn service update --traffic` does. */
  setTraffic(namespace: string, name: string, traffic: TrafficTarget[], resourceVersion?: string): Promise<KService> {
    return this.guard(async () => (await this.api.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, namespace, plural: 'services', name, body: { metadata: resourceVersion ? { resourceVersion } : {}, spec: { traffic } }, fieldManager: FIELD_MANAGER },
      mergePatch(),
    )) as KService, `service ${namespace}/${name}`);
  }

  /** Deletes a service; false when it was already gone. */
  async deleteService(namespace: string, name: string): Promise<boolean> {
    try {
      await this.guard(() => this.api.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'services', name }), `service ${namespace}/${name}`);
      return true;
    } catch (err) {
      if (isMissingObject(err)) return false;
      throw err;
    }
  }
}
