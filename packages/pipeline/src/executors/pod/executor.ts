import { CoreV1Api, KubeConfig, Log, type V1Pod, type V1Toleration } from '@kubernetes/client-node';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { abortReason, type Executor, type JobContext, type JobOutcome, type JobSpec } from '../types.js';
import { podFacts, primaryExit, PRIMARY, renderPod } from './render.js';

export interface PodOptions {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  tolerations?: V1Toleration[];
}

/**
 * Runs a job as a Pod through the Kubernetes API: creates it, follows its status and
 * streams the primary container's log, reports the exit code Kubernetes records, and
 * deletes the pod afterwards. The pod's status is reported as the API gives it; on nodes
 * without a kubelet (kwok) a pod is Running but nothing executes, and the job ends at its
 * timeout with the pod's phase in the record.
 */
export class PodExecutor implements Executor {
  readonly name = 'pod';
  private readonly core: CoreV1Api;
  private readonly log: Log;
  readonly namespace: string;

  constructor(private readonly kc: KubeConfig, private readonly opts: PodOptions = {}) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.log = new Log(kc);
    this.namespace = opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
  }

  static fromOptions(opts: PodOptions): PodExecutor {
    const kc = new KubeConfig();
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
    if (opts.context) kc.setCurrentContext(opts.context);
    return new PodExecutor(kc, opts);
  }

  async run(spec: JobSpec, ctx: JobContext): Promise<JobOutcome> {
    const jobLabel = ctx.scratchDir.split('/').pop() ?? 'job';
    const name = `iwp-${spec.runId}-${jobLabel}`.slice(0, 63).replace(/[-.]+$/, '');
    const namespace = this.namespace;
    const body = renderPod(spec, { name, namespace, jobLabel, ...(this.opts.tolerations ? { tolerations: this.opts.tolerations } : {}) });
    if (spec.primary.workspaceMountPath) ctx.onNote(`workspace at ${spec.primary.workspaceMountPath} is the pod's own emptyDir, not the run's workspace`);
    await this.core.createNamespacedPod({ namespace, body }).catch((err: unknown) => {
      throw new Error(`creating pod ${namespace}/${name}: ${apiMessage(err)}`);
    });
    ctx.onNote(`pod ${namespace}/${name} created`, { pod: name, namespace });
    let logs: AbortController | undefined;
    let following = false;
    let last: V1Pod = body;
    try {
      let seen = '';
      for (let delay = 200; ; delay = Math.min(delay * 1.5, 1000)) {
        last = await this.core.readNamespacedPod({ name, namespace });
        const facts = podFacts(last);
        const summary = `${facts.phase}${facts.nodeName ? ` on ${facts.nodeName}` : ''}`;
        if (summary !== seen) {
          seen = summary;
          ctx.onNote(`pod ${summary}`, { pod: facts });
        }
        const started = last.status?.containerStatuses?.find((c) => c.name === PRIMARY)?.state;
        if (!following && (started?.running || started?.terminated)) {
          following = true;
          logs = await this.follow(namespace, name, ctx);
        }
        const exit = primaryExit(last);
        if (exit !== undefined || last.status?.phase === 'Succeeded' || last.status?.phase === 'Failed') {
          await sleep(300); // let the log stream drain
          return {
            exitCode: exit ?? null,
            ...(exit === undefined ? { error: `pod ${last.status?.phase}${last.status?.reason ? `: ${last.status.reason}` : ''}` } : {}),
            details: { pod: podFacts(last) },
          };
        }
        await sleep(delay, undefined, { signal: ctx.signal }).catch(() => undefined);
        if (ctx.signal.aborted) {
          return { exitCode: null, error: `${abortReason(ctx.signal)} (pod phase ${last.status?.phase ?? 'unknown'})`, details: { pod: podFacts(last) } };
        }
      }
    } finally {
      logs?.abort();
      await this.core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).catch(() => undefined);
    }
  }

  private async follow(namespace: string, name: string, ctx: JobContext): Promise<AbortController | undefined> {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        ctx.onOutput('stdout', chunk.toString('utf8'));
        cb();
      },
    });
    try {
      return await this.log.log(namespace, name, PRIMARY, sink, { follow: true });
    } catch (err) {
      ctx.onNote(`logs unavailable: ${(err as Error).message}`);
      return undefined;
    }
  }
}

/** `HTTP 404: namespaces "x" not found` from the API's Status body, not the whole response. */
export function apiMessage(err: unknown): string {
  const e = err as { code?: number; body?: unknown; message?: string };
  if (typeof e.code === 'number' && e.body !== undefined) {
    let status: { message?: string } | undefined;
    try {
      status = typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string }) : (e.body as { message?: string });
    } catch {
      status = undefined;
    }
    return `HTTP ${e.code}${status?.message ? `: ${status.message}` : ''}`;
  }
  return e.message ?? String(err);
}
