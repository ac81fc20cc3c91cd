import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CustomObjectsApi, Informer, KubeConfig, KubernetesListObject, KubernetesObject, ObjectCache, V1Pod } from '@kubernetes/client-node';
import { kubeClientNode } from '@iwp/core';
import { ActivatorReporter, encodePodStat } from './autoscaler-wire.js';
import { revisionFor, type KService } from './traffic.js';

const QUEUE_METRICS_PORT = '9090';
const ACTIVATOR = 'activator';


const revisionOf = (p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.labels?.['serving.knative.dev/revision']}`;
const isReady = (p: V1Pod) => Boolean(p.status?.podIP) && !p.metadata?.deletionTimestamp && Boolean(p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));

/** One revision's load as the stand-in counts it: requests in flight and served since the last scrape. */
class Load {
  inflight = 0;
  served = 0;
  /** requests held for a revision with no ready pods, as the activator buffers them */
  buffered = 0;
}

export interface DataPlaneOptions {
  port?: number;
  host?: string;
}

/** How long a request waits for a revision scaled to zero to get a ready pod (the activator's default). */
const COLD_START_TIMEOUT_MS = 120_000;

/**
 * A stand-in for Knative's data plane where pods cannot run (kwok's simulated nodes): the
 * gateway, the queue-proxy's stats and the activator's probe answer, so that Knative's own
 * autoscaler decides scale from real requests.
 *
 * - Requests with `Host: NAME.NS.svc.cluster.local` (or `TAG-NAME...`) are routed by the
 *   service's status.traffic, held for `?hold=MS` (the app's work) and answered; while held
 *   they count as in flight on that revision. For a revision without ready pods the request
 *   is buffered, as by the activator, and reported to the autoscaler's stats websocket until a
 *   pod is ready (a cold start from zero).
 * - The autoscaler runs with HTTP_PROXY pointing here, so its scrape of a pod
 *   (`GET http://POD_IP:9090/metrics`, application/protobuf) arrives here and is answered with
 *   the revision's in-flight requests spread over its ready pods, as queue-proxies report.
 * - Its activator probe (`GET http://SKS.NS.svc.cluster.local/healthz`, K-Network-Probe) gets
 *   "activator" while the ServerlessService is in Proxy mode, as through the real activator.
 */
export class LocalDataPlane {
  private readonly custom: CustomObjectsApi;
  private readonly load = new Map<string, Load>();
  /** revision pods and Knative Services, kept current by watches: no API call per request or scrape */
  private readonly pods: Informer<V1Pod> & ObjectCache<V1Pod>;
  private readonly services: Informer<KService> & ObjectCache<KService>;
  private readonly reporter: ActivatorReporter;
  private closed = false;
  server?: Server;

  /** `autoscaler`: the websocket of the autoscaler's stats server, where the activator reports. */
  constructor(kc: KubeConfig, autoscaler = 'ws://127.0.0.1:8080') {
    this.reporter = new ActivatorReporter(autoscaler);
    const k8s = kubeClientNode();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    this.custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const selector = 'serving.knative.dev/revision';
    this.pods = k8s.makeInformer<V1Pod>(kc, '/api/v1/pods', () => core.listPodForAllNamespaces({ labelSelector: selector }), selector);
    this.services = k8s.makeInformer<KService>(kc, '/apis/serving.knative.dev/v1/services',
      async () => (await this.custom.listClusterCustomObject({ group: 'serving.knative.dev', version: 'v1', plural: 'services' })) as KubernetesListObject<KService>);
    for (const informer of [this.pods, this.services] as Informer<KubernetesObject>[]) {
      // resumed and re-listed by the informer itself; started again after an error
      informer.on('error', () => {
        if (!this.closed) setTimeout(() => void informer.start().catch(() => undefined), 1000);
      });
    }
  }

  private readyPods(revision: string): V1Pod[] {
    return this.pods.list().filter((p) => revisionOf(p) === revision && isReady(p));
  }

  async listen(opts: DataPlaneOptions = {}): Promise<AddressInfo> {
    await Promise.all([this.pods.start(), this.services.start()]);
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: Error) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`local data plane: ${err.message}\n`);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve));
    return this.server.address() as AddressInfo;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reporter.close();
    await Promise.all([this.pods.stop(), this.services.stop()]);
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * Holds a request for a revision without ready pods until one is ready, reporting the
   * buffered requests every second so that the autoscaler scales it up from zero.
   */
  private async coldStart(ns: string, revision: string): Promise<boolean> {
    const load = this.loadOf(`${ns}/${revision}`);
    load.buffered++;
    const deadline = Date.now() + COLD_START_TIMEOUT_MS;
    try {
      for (let lastReport = 0; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
        if (this.readyPods(`${ns}/${revision}`).length) return true;
        if (Date.now() - lastReport >= 1000) {
          lastReport = Date.now();
          await this.reporter.report(ns, revision, load.buffered).catch(() => undefined);
        }
      }
      return false;
    } finally {
      load.buffered--;
    }
  }

  /** `revision` is NAMESPACE/NAME */
  private loadOf(revision: string): Load {
    if (!this.load.has(revision)) this.load.set(revision, new Load());
    return this.load.get(revision)!;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    if (/^https?:\/\//.test(req.url ?? '')) {
      // the autoscaler, through HTTP_PROXY
      if (url.port === QUEUE_METRICS_PORT && url.pathname === '/metrics') return this.stat(url.hostname, res);
      if (req.headers['k-network-probe']) return this.probe(url.hostname, res);
      res.writeHead(404).end();
      return;
    }
    return this.route(url, res);
  }

  private stat(podIp: string, res: ServerResponse): void {
    const pod = this.pods.list().find((p) => p.status?.podIP === podIp);
    if (!pod) {
      res.writeHead(503).end();
      return;
    }
    const revision = revisionOf(pod);
    // the autoscaler multiplies the per-pod average by the ready pods it sees
    const peers = Math.max(1, this.readyPods(revision).length);
    const load = this.loadOf(revision);
    const served = load.served;
    load.served = 0;
    const body = encodePodStat({
      podName: pod.metadata?.name,
      averageConcurrentRequests: load.inflight / peers,
      averageProxiedConcurrentRequests: 0,
      requestCount: served / peers,
      proxiedRequestCount: 0,
      processUptime: Math.max(0, (Date.now() - Date.parse(String(pod.status?.startTime ?? pod.metadata?.creationTimestamp ?? new Date()))) / 1000),
      timestamp: Math.floor(Date.now() / 1000),
    });
    res.writeHead(200, { 'content-type': 'application/protobuf', 'content-length': body.length }).end(Buffer.from(body));
  }

  private async probe(host: string, res: ServerResponse): Promise<void> {
    const [name, ns] = host.split('.');
    let mode: string | undefined;
    try {
      const sks = (await this.custom.getNamespacedCustomObject({ group: 'networking.internal.knative.dev', version: 'v1alpha1', namespace: ns!, plural: 'serverlessservices', name: name! })) as { spec?: { mode?: string } };
      mode = sks.spec?.mode;
    } catch {
      mode = undefined;
    }
    // in Proxy mode the public service points at the activator; in Serve mode at the pods' queue-proxies
    res.writeHead(200, { 'content-type': 'text/plain' }).end(mode === 'Proxy' ? ACTIVATOR : 'queue');
  }

  private async route(url: URL, res: ServerResponse): Promise<void> {
    const [first, ns] = url.hostname.split('.');
    if (!first || !ns) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no service for host ${url.hostname}\n`);
      return;
    }
    const found = revisionFor(this.services, first, ns);
    if (!found) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no service for host ${url.hostname}\n`);
      return;
    }
    if (!this.readyPods(`${ns}/${found}`).length && !(await this.coldStart(ns, found))) {
      res.writeHead(504, { 'content-type': 'text/plain' }).end(`revision ${found} got no ready pod in ${COLD_START_TIMEOUT_MS / 1000}s\n`);
      return;
    }
    const load = this.loadOf(`${ns}/${found}`);
    load.inflight++;
    try {
      const hold = Math.min(Number(url.searchParams.get('hold') ?? 0) || 0, 600_000);
      if (hold > 0) await new Promise((r) => setTimeout(r, hold));
      res.writeHead(200, { 'content-type': 'text/plain', 'x-knative-revision': found }).end(`Hello from ${found}\n`);
    } finally {
      load.inflight--;
      load.served++;
    }
  }
}
