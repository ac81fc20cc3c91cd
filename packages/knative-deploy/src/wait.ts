import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { ErrorCode, IwpError, kubeClientNode, timedOut } from '@iwp/core';
import type { Condition, Knative, KService } from './client.js';
import { revisionFailures } from './pod-failures.js';
import { GROUP, VERSION } from './spec.js';

export interface WaitOptions {
  timeoutMs: number;
  /** how long Ready=False must last before it counts as a failure (kn's --wait-window) */
  errorWindowMs?: number;
  /** the generation to wait for (default: the one seen first) */
  generations?: Map<string, number>;
  /** called once per service when it turns Ready */
  onReady?: (svc: KService) => void;
  /** lines added to a failure's message (waitReady: what the failing revision's containers say) */
  explain?: (svc: KService) => Promise<string[]>;
}

type State = { phase: 'ready' } | { phase: 'failed'; message: string } | { phase: 'pending'; message: string };

const summary = (c: Condition) => [c.reason, c.message].filter(Boolean).join(': ');

/**
 * Ready means what `kn` and Knative's own tests mean: the controller has observed the current
 * generation and says Ready=True. Ready=False of the current generation is a failure, with the
 * most specific False condition (ConfigurationsReady carries the revision's error).
 */
export function serviceState(svc: KService, generation = svc.metadata.generation ?? 0): State {
  const st = svc.status;
  const observed = st?.observedGeneration ?? 0;
  if (observed < generation || (svc.metadata.generation ?? 0) < generation) {
    return { phase: 'pending', message: `generation ${generation} not observed yet (observed ${st?.observedGeneration ?? 'none'})` };
  }
  const conds = st?.conditions ?? [];
  const ready = conds.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return { phase: 'ready' };
  const specific = conds.find((c) => c.type !== 'Ready' && c.status === 'False') ?? (ready?.status === 'False' ? ready : undefined);
  // the route controller has not seen the service's own configuration yet (its cache lags on
  // a busy apiserver): a service's traffic names only its own configuration, so this passes
  if (specific?.reason === 'ConfigurationMissing') return { phase: 'pending', message: summary(specific) };
  if (specific) return { phase: 'failed', message: summary(specific) };
  const unknown = conds.find((c) => c.type !== 'Ready' && c.status === 'Unknown') ?? ready;
  return { phase: 'pending', message: unknown ? `${unknown.type}: ${summary(unknown) || 'Unknown'}` : 'no conditions yet' };
}

const key = (ns: string, name: string) => `${ns}/${name}`;

/** How long a failure waits for its explanation (WaitOptions.explain) before it is reported without one. */
const EXPLAIN_MS = 5000;

/** An explanation, or undefined when it fails or takes longer than EXPLAIN_MS. */
function explained(lines: Promise<string[]> | undefined): Promise<string[] | undefined> {
  if (!lines) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    setTimeout(() => resolve(undefined), EXPLAIN_MS).unref();
    lines.then(resolve, () => resolve(undefined));
  });
}

/** The services a wait is for, what it has seen of them, and how it ends (once). */
class ReadyWait {
  readonly want: Map<string, number | undefined>;
  readonly done = new Map<string, KService>();
  private readonly last = new Map<string, KService>();
  private readonly failing = new Map<string, NodeJS.Timeout>();
  over = false;
  private settle!: { resolve: () => void; reject: (e: Error) => void };
  readonly finished = new Promise<void>((resolve, reject) => (this.settle = { resolve, reject }));

  constructor(targets: { namespace: string; name: string }[], private readonly opts: WaitOptions) {
    this.want = new Map(targets.map((t) => [key(t.namespace, t.name), opts.generations?.get(key(t.namespace, t.name))]));
  }

  finish(err?: Error): void {
    if (this.over) return;
    this.over = true;
    for (const t of this.failing.values()) clearTimeout(t);
    if (err) this.settle.reject(err);
    else this.settle.resolve();
  }

  /** A service as a watch saw it: Ready counts it done; Ready=False fails the wait after the error window. */
  observe(svc: KService, deleted = false): void {
    const k = key(svc.metadata.namespace, svc.metadata.name);
    if (!this.want.has(k) || this.done.has(k) || this.over) return;
    if (deleted) return this.finish(new IwpError(ErrorCode.NOT_FOUND, `service ${k} was deleted while waiting`));
    if (this.want.get(k) === undefined) this.want.set(k, svc.metadata.generation ?? 0);
    this.last.set(k, svc);
    const state = serviceState(svc, this.want.get(k));
    if (state.phase !== 'failed' && this.failing.has(k)) {
      clearTimeout(this.failing.get(k));
      this.failing.delete(k);
    }
    if (state.phase === 'ready') {
      this.done.set(k, svc);
      this.opts.onReady?.(svc);
      if (this.done.size === this.want.size) this.finish();
    } else if (state.phase === 'failed' && !this.failing.has(k)) {
      const fail = async () => {
        const containers = (await explained(this.opts.explain?.(svc))) ?? [];
        const message = [`service ${k} failed: ${state.message}`, ...containers].join('; ');
        this.finish(new IwpError(ErrorCode.FAILED, message, { details: { conditions: svc.status?.conditions ?? [], ...(containers.length > 0 ? { containers } : {}) } }));
      };
      if (!this.opts.errorWindowMs) void fail();
      else this.failing.set(k, setTimeout(() => void fail(), this.opts.errorWindowMs));
    }
  }

  /** The deadline passed: exit 5 naming what is still pending and why. */
  timedOut(): Error {
    const pending = [...this.want.keys()].filter((k) => !this.done.has(k));
    const why = pending.slice(0, 5).map((k) => {
      const st = this.last.has(k) ? serviceState(this.last.get(k)!, this.want.get(k)) : undefined;
      return `${k} (${st && st.phase !== 'ready' ? st.message : 'not seen'})`;
    });
    return timedOut(`not Ready after ${Math.round(this.opts.timeoutMs / 1000)}s: ${why.join(', ')}${pending.length > 5 ? ` and ${pending.length - 5} more` : ''}`);
  }
}

type ServiceInformer = ReturnType<typeof makeServiceInformer>;

/**
 * One informer per namespace: @kubernetes/client-node lists, watches from the list's
 * resourceVersion, resumes a closed watch and re-lists on 410 Gone; a failed list ends the
 * wait, a failed watch is started again.
 */
function makeServiceInformer(kn: Knative, namespace: string, w: ReadyWait) {
  const informer = kubeClientNode().makeInformer<KService & KubernetesObject>(kn.kc, `/apis/${GROUP}/${VERSION}/namespaces/${namespace}/services`, async () => {
    try {
      return (await kn.guard(() => kn.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'services' }), `services in ${namespace}`)) as KubernetesListObject<KService & KubernetesObject>;
    } catch (err) {
      w.finish(err as Error);
      throw err;
    }
  });
  informer.on('add', (s) => w.observe(s));
  informer.on('update', (s) => w.observe(s));
  informer.on('delete', (s) => w.observe(s, true));
  informer.on('error', () => {
    if (!w.over) setTimeout(() => void informer.start().catch(() => undefined), 100);
  });
  return informer;
}

/** Starts a namespace's informer; after its first list, a wanted service it does not hold is exit 4. */
async function startInformer(informer: ServiceInformer, namespace: string, w: ReadyWait): Promise<void> {
  await informer.start();
  // finished during the first list: the watch it then opened must not outlive the wait
  if (w.over) return informer.stop();
  for (const k of w.want.keys()) {
    const [ns, name] = k.split('/') as [string, string];
    if (ns === namespace && !informer.get(name, ns)) w.finish(new IwpError(ErrorCode.NOT_FOUND, `service ${k} not found`));
  }
}

/**
 * Waits with one watch per namespace (never a poll loop) until every named service is Ready,
 * or fails: Ready=False lasting `errorWindowMs` is exit 1 with the condition's reason and
 * message, followed by what the containers of the service's latest revision say of their
 * failure (pod-failures.ts; `details.containers`), the deadline is exit 5 naming what is
 * still pending, a deleted service is exit 4.
 * The informers resume a watch the server closes from the last resourceVersion seen and
 * re-list on 410; a watch that fails is started again.
 */
export async function waitReady(kn: Knative, targets: { namespace: string; name: string }[], opts: WaitOptions): Promise<KService[]> {
  const core = kn.kc.makeApiClient(kubeClientNode().CoreV1Api);
  const explain = async (svc: KService) => {
    const revision = svc.status?.latestCreatedRevisionName;
    return revision ? revisionFailures(core, svc.metadata.namespace, revision) : [];
  };
  const w = new ReadyWait(targets, { explain, ...opts });
  const timer = setTimeout(() => w.finish(w.timedOut()), opts.timeoutMs);
  const informers = [...new Set(targets.map((t) => t.namespace))].map((namespace) => ({ namespace, informer: makeServiceInformer(kn, namespace, w) }));
  try {
    // not awaited on its own: the deadline also covers a list that hangs
    void Promise.all(informers.map(({ namespace, informer }) => startInformer(informer, namespace, w))).catch((err: Error) => w.finish(err));
    await w.finished;
  } finally {
    clearTimeout(timer);
    await Promise.allSettled(informers.map(({ informer }) => informer.stop()));
  }
  return targets.map((t) => w.done.get(key(t.namespace, t.name))!);
}

/** Waits until a service is gone (`delete --wait`), with a watch. */
export async function waitGone(kn: Knative, namespace: string, name: string, timeoutMs: number): Promise<void> {
  const k8s = kubeClientNode();
  const list = (await kn.api.listNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: 'services', fieldSelector: `metadata.name=${name}` })) as { items: KService[]; metadata: { resourceVersion: string } };
  if (list.items.length === 0) return;
  let ctl: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(timedOut(`service ${namespace}/${name} still exists after ${Math.round(timeoutMs / 1000)}s`)), timeoutMs);
      new k8s.Watch(kn.kc).watch(`/apis/${GROUP}/${VERSION}/namespaces/${namespace}/services`, { fieldSelector: `metadata.name=${name}`, resourceVersion: list.metadata.resourceVersion }, (type: string) => {
        if (type === 'DELETED') resolve();
      }, () => {
        // closed by the server: check once more
        kn.findService(namespace, name).then((s) => (s ? reject(new IwpError(ErrorCode.FAILED, `watch of ${namespace}/${name} closed before it was deleted`)) : resolve()), reject);
      }).then((c) => (ctl = c), reject);
    });
  } finally {
    clearTimeout(timer);
    ctl?.abort();
  }
}
