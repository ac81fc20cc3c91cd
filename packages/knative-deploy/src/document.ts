import { API_VERSION, badInput, type Image, type KnativeRevision, type KnativeService } from '@iwp/core';
import type { KRevision, KService } from './client.js';
import { serviceState } from './wait.js';

/** The image to run from nix-image's Image document: pinned by digest. */
export function imageFromDocument(img: Image): string {
  if (img.ref.startsWith('oci-dir:') || img.ref.startsWith('docker-archive:')) throw badInput('Image.ref', 'an image pushed to a registry (nix-image build --push REF)', img.ref);
  const repo = img.repository ?? img.ref.replace(/@sha256:[0-9a-f]{64}$/, '').replace(/:[^/:]+$/, '');
  return `${repo}@${img.digest}`;
}

/** The KnativeService document of a stored service. */
export function serviceDocument(svc: KService): KnativeService {
  const st = svc.status;
  const state = serviceState(svc);
  const ann = svc.spec?.template?.metadata?.annotations ?? {};
  const scale = Object.fromEntries(Object.entries(ann).filter(([k]) => k.startsWith('autoscaling.knative.dev/')).map(([k, v]) => [k.slice('autoscaling.knative.dev/'.length), v]));
  return {
    apiVersion: API_VERSION,
    kind: 'KnativeService',
    name: svc.metadata.name,
    namespace: svc.metadata.namespace,
    ...(st?.url ? { url: st.url } : {}),
    ...(svc.spec?.template?.spec?.containers?.[0]?.image ? { image: svc.spec.template.spec.containers[0].image } : {}),
    ready: state.phase === 'ready',
    ...(state.phase !== 'ready' ? { reason: state.message } : {}),
    generation: svc.metadata.generation ?? 0,
    ...(st?.observedGeneration !== undefined ? { observedGeneration: st.observedGeneration } : {}),
    ...(st?.latestReadyRevisionName ? { latestReadyRevision: st.latestReadyRevisionName } : {}),
    ...(st?.latestCreatedRevisionName ? { latestCreatedRevision: st.latestCreatedRevisionName } : {}),
    ...(Object.keys(scale).length ? { autoscaling: scale } : {}),
    traffic: (st?.traffic ?? []).map((t) => ({
      ...(t.revisionName ? { revisionName: t.revisionName } : {}),
      ...(t.latestRevision !== undefined ? { latestRevision: t.latestRevision } : {}),
      percent: t.percent ?? 0,
      ...(t.tag ? { tag: t.tag } : {}),
      ...(t.url ? { url: t.url } : {}),
    })),
  };
}

/** The KnativeRevision document of a revision, with the share of traffic it gets. */
export function revisionDocument(r: KRevision, svc: KService | undefined): KnativeRevision {
  const conds = r.status?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  const traffic = (svc?.status?.traffic ?? []).filter((t) => t.revisionName === r.metadata.name);
  const failed = conds.find((c) => c.status === 'False');
  return {
    apiVersion: API_VERSION,
    kind: 'KnativeRevision',
    name: r.metadata.name,
    namespace: r.metadata.namespace,
    service: r.metadata.labels?.['serving.knative.dev/service'] ?? '',
    generation: Number(r.metadata.labels?.['serving.knative.dev/configurationGeneration'] ?? 0),
    ...(r.spec?.containers?.[0]?.image ? { image: r.spec.containers[0].image } : {}),
    ...(r.status?.containerStatuses?.[0]?.imageDigest ? { imageDigest: r.status.containerStatuses[0].imageDigest } : {}),
    ready: ready?.status === 'True',
    ...(failed ? { reason: [failed.reason, failed.message].filter(Boolean).join(': ') } : {}),
    percent: traffic.reduce((a, t) => a + (t.percent ?? 0), 0),
    tags: traffic.filter((t) => t.tag).map((t) => t.tag!),
    ...(r.status?.actualReplicas !== undefined ? { actualReplicas: r.status.actualReplicas } : {}),
    ...(r.status?.desiredReplicas !== undefined ? { desiredReplicas: r.status.desiredReplicas } : {}),
    ...(r.metadata.creationTimestamp ? { created: r.metadata.creationTimestamp } : {}),
  };
}
