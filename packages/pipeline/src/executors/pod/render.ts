import type { V1Container, V1Pod, V1Toleration } from '@kubernetes/client-node';
import type { ContainerSpec, JobSpec } from '../types.js';

export const MANAGED_BY = 'iwp-pipeline';
export const PRIMARY = 'primary';

export interface PodSettings {
  name: string;
  namespace: string;
  /** a short name of the job, for the label */
  jobLabel: string;
  tolerations?: V1Toleration[];
}

function container(name: string, c: ContainerSpec, workspace: boolean): V1Container {
  return {
    name,
    image: c.image,
    imagePullPolicy: c.imagePullPolicy === 'Always' ? 'Always' : 'IfNotPresent',
    ...(c.command.length ? { command: c.command } : {}),
    ...(c.args.length ? { args: c.args } : {}),
    env: Object.entries(c.env).map(([k, v]) => ({ name: k, value: v })),
    ...(c.workingDirectory ? { workingDir: c.workingDirectory } : {}),
    ...(c.privileged ? { securityContext: { privileged: true } } : {}),
    ...(workspace && c.workspaceMountPath ? { volumeMounts: [{ name: 'workspace', mountPath: c.workspaceMountPath }] } : {}),
  };
}

/**
 * The Pod of a job (pure). The primary container is named `primary`, sidecars keep their
 * names. A workspace mount is an emptyDir shared by the pod's containers only: pods do not
 * see the run's workspace on the runner's disk (no ReadWriteMany volume by design).
 */
export function renderPod(spec: JobSpec, s: PodSettings): V1Pod {
  const all = [spec.primary, ...Object.values(spec.sidecars)];
  const workspace = all.some((c) => c.workspaceMountPath);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: s.name,
      namespace: s.namespace,
      labels: { 'app.kubernetes.io/managed-by': MANAGED_BY, 'iwp.dev/run': spec.runId, 'iwp.dev/job': s.jobLabel },
      annotations: { 'iwp.dev/job-name': spec.name },
    },
    spec: {
      restartPolicy: 'Never',
      // the runner bounds the job itself; this is a backstop should the runner die
      activeDeadlineSeconds: Math.ceil(spec.timeoutMs / 1000) + 60,
      automountServiceAccountToken: false,
      containers: [
        container(PRIMARY, spec.primary, workspace),
        ...Object.entries(spec.sidecars).map(([n, c]) => container(n, c, workspace)),
      ],
      ...(Object.keys(spec.nodeSelector).length ? { nodeSelector: spec.nodeSelector } : {}),
      ...(s.tolerations?.length ? { tolerations: s.tolerations } : {}),
      ...(workspace ? { volumes: [{ name: 'workspace', emptyDir: {} }] } : {}),
    },
  };
}

/** The facts of a pod's status worth keeping in the run record, as Kubernetes reports them. */
export function podFacts(pod: V1Pod): Record<string, unknown> {
  const st = pod.status ?? {};
  const primary = st.containerStatuses?.find((c) => c.name === PRIMARY);
  const state = primary?.state;
  const stateName = state?.terminated ? 'terminated' : state?.running ? 'running' : state?.waiting ? 'waiting' : undefined;
  const reason = state?.terminated?.reason ?? state?.waiting?.reason;
  return {
    namespace: pod.metadata?.namespace,
    name: pod.metadata?.name,
    phase: st.phase,
    ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
    ...(st.podIP ? { podIP: st.podIP } : {}),
    ...(st.reason ? { reason: st.reason } : {}),
    ...(st.message ? { message: st.message } : {}),
    conditions: Object.fromEntries((st.conditions ?? []).map((c) => [c.type, c.status])),
    ...(stateName ? { container: { state: stateName, ...(reason ? { reason } : {}), ...(state?.terminated ? { exitCode: state.terminated.exitCode } : {}) } } : {}),
  };
}

/** The primary container's exit code once it terminated, else undefined. */
export function primaryExit(pod: V1Pod): number | undefined {
  return pod.status?.containerStatuses?.find((c) => c.name === PRIMARY)?.state?.terminated?.exitCode;
}
