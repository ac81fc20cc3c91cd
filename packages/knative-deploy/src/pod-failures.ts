import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';

/** Waiting reasons of a container that is only starting, not failing. */
const STARTING = new Set(['ContainerCreating', 'PodInitializing']);

/**
 * What the app containers of `pods` say of a failure, one line a container, the same line
 * once: a waiting reason (CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError, ...)
 * and the exit code of its last run that did not end in 0. Knative reports a revision that
 * fails to start by whichever of its checks comes first, and a container that exits at once
 * can surface as the deployment's progress deadline ("ReplicaSet ... has timed out
 * progressing"), which names no container: these lines do. queue-proxy, Knative's own
 * container beside the app, is left out.
 */
export function containerFailures(pods: readonly V1Pod[]): string[] {
  const lines: string[] = [];
  for (const pod of pods) {
    for (const c of pod.status?.containerStatuses ?? []) {
      if (c.name === 'queue-proxy') continue;
      const parts: string[] = [];
      const waiting = c.state?.waiting;
      if (waiting?.reason && !STARTING.has(waiting.reason)) parts.push(waiting.message ? `${waiting.reason}: ${waiting.message}` : waiting.reason);
      const ended = c.state?.terminated ?? c.lastState?.terminated;
      if (ended && ended.exitCode !== 0) parts.push(`exit code ${ended.exitCode}${ended.reason ? ` (${ended.reason})` : ''}${ended.message ? `: ${ended.message.trim()}` : ''}`);
      if (parts.length > 0) lines.push(`container ${c.name}: ${parts.join(', ')}`);
    }
  }
  return [...new Set(lines)];
}

/** containerFailures of the pods of one revision (Knative labels them `serving.knative.dev/revision`). */
export async function revisionFailures(core: CoreV1Api, namespace: string, revision: string): Promise<string[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: `serving.knative.dev/revision=${revision}` });
  return containerFailures(pods.items);
}
