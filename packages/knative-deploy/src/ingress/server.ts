import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { isReady, pickBackend, readyStatus, routeTable, type KIngress, type RouteTable } from './routes.js';

const GROUP = 'networking.internal.knative.dev';
const VERSION = 'v1alpha1';
const PLURAL = 'ingresses';
const CLASS_ANNOTATION = 'networking.knative.dev/ingress.class';
/** The ingress class iwp's ingress answers to (config-network `ingress-class`). */
export const LOCAL_INGRESS_CLASS = 'local.ingress.networking.iwp.dev';

export interface IngressOptions {
  /** the in-cluster name of this ingress's Service, written as the KIngresses' load balancer */
  domainInternal: string;
  ingressClass?: string;
  port?: number;
  log?: (line: string) => void;
  /** where a backend Service (host:port by its cluster DNS name) is dialled; default: that name (cluster DNS) */
  dial?: (target: string) => { host: string; port: number };
}

/**
 * iwp's networking layer for Knative, run as a pod: it follows the KIngresses of its class with
 * an informer, routes requests by Host (and path and headers) to the Kubernetes Service each
 * split names (the revision's Service: its pods, or the activator while the revision is
 * scaled to zero, as Knative's ServerlessService arranges), with the headers Knative asks for,
 * and marks each KIngress Ready once its routes are in the table, as Kourier does once Envoy
 * has them.
 */
export class IngressServer {
  private table: RouteTable = new Map();
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512 });
  private readonly api: k8s.CustomObjectsApi;
  private readonly informer: k8s.Informer<KIngress & k8s.KubernetesObject> & k8s.ObjectCache<KIngress & k8s.KubernetesObject>;
  private server?: Server;
  private stopped = false;
  synced = false;

  constructor(private readonly kc: k8s.KubeConfig, private readonly opts: IngressOptions) {
    this.api = kc.makeApiClient(k8s.CustomObjectsApi);
    this.informer = k8s.makeInformer<KIngress & k8s.KubernetesObject>(kc, `/apis/${GROUP}/${VERSION}/${PLURAL}`,
      async () => (await this.api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as k8s.KubernetesListObject<KIngress & k8s.KubernetesObject>);
  }

  private mine(i: KIngress): boolean {
    return (i.metadata.annotations?.[CLASS_ANNOTATION] ?? '') === (this.opts.ingressClass ?? LOCAL_INGRESS_CLASS);
  }

  private rebuild(): void {
    this.table = routeTable(this.informer.list().filter((i) => this.mine(i)));
  }

  private async reconcile(i: KIngress): Promise<void> {
    this.rebuild();
    if (!this.mine(i) || isReady(i)) return;
    try {
      await this.api.patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, namespace: i.metadata.namespace, plural: PLURAL, name: i.metadata.name, body: { status: readyStatus(i, this.opts.domainInternal) } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      );
      this.opts.log?.(`ingress ${i.metadata.namespace}/${i.metadata.name} generation ${i.metadata.generation} Ready`);
    } catch (err) {
      if ((err as { code?: number }).code === 404) return;
      this.opts.log?.(`ingress ${i.metadata.namespace}/${i.metadata.name}: ${(err as Error).message}; retrying`);
      if (!this.stopped) setTimeout(() => {
        const cur = this.informer.get(i.metadata.name, i.metadata.namespace);
        if (cur) void this.reconcile(cur);
      }, 1000);
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const backend = pickBackend(this.table, req.headers.host ?? '', req.url ?? '/', req.headers);
    if (!backend && req.url === '/healthz') {
      res.writeHead(this.synced ? 200 : 503).end(this.synced ? 'ok' : 'syncing');
      return;
    }
    if (!backend) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route for host ${req.headers.host}\n`);
      return;
    }
    const [name, p] = backend.target.split(/:(?=\d+$)/) as [string, string];
    const { host, port } = this.opts.dial?.(backend.target) ?? { host: name, port: Number(p) };
    const up = request({ host, port, method: req.method, path: req.url, agent: this.agent, headers: { ...req.headers, ...backend.headers } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`upstream ${backend.target}: ${err.message}\n`);
    });
    req.pipe(up);
  }

  async start(): Promise<AddressInfo> {
    const handle = (i: KIngress) => void this.reconcile(i);
    this.informer.on('add', handle);
    this.informer.on('update', handle);
    this.informer.on('delete', () => this.rebuild());
    this.informer.on('error', (err) => {
      if (this.stopped) return;
      this.opts.log?.(`informer: ${(err as Error)?.message ?? err}; restarting`);
      setTimeout(() => void this.informer.start().catch(() => undefined), 1000);
    });
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(this.opts.port ?? 8080, '0.0.0.0', resolve));
    await this.informer.start();
    this.rebuild();
    this.synced = true;
    return this.server.address() as AddressInfo;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.informer.stop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.agent.destroy();
  }
}
