import protobuf from 'protobufjs';
import WebSocket from 'ws';

/**
 * Knative's autoscaler Stat message (knative.dev/serving pkg/autoscaler/metrics/stat.proto),
 * what a queue-proxy answers on :9090/metrics when asked for application/protobuf.
 */
const Stat = new protobuf.Type('Stat')
  .add(new protobuf.Field('podName', 1, 'string'))
  .add(new protobuf.Field('averageConcurrentRequests', 2, 'double'))
  .add(new protobuf.Field('averageProxiedConcurrentRequests', 3, 'double'))
  .add(new protobuf.Field('requestCount', 4, 'double'))
  .add(new protobuf.Field('proxiedRequestCount', 5, 'double'))
  .add(new protobuf.Field('processUptime', 6, 'double'))
  .add(new protobuf.Field('timestamp', 7, 'int64'));
const WireStatMessage = new protobuf.Type('WireStatMessage')
  .add(new protobuf.Field('namespace', 1, 'string'))
  .add(new protobuf.Field('name', 2, 'string'))
  .add(new protobuf.Field('stat', 3, 'Stat'));
const WireStatMessages = new protobuf.Type('WireStatMessages').add(new protobuf.Field('messages', 1, 'WireStatMessage', 'repeated'));
new protobuf.Root().add(Stat).add(WireStatMessage).add(WireStatMessages);

/** A queue-proxy's answer to the autoscaler's scrape: one Stat, protobuf-encoded. */
export function encodePodStat(stat: Record<string, unknown>): Uint8Array {
  return Stat.encode(Stat.create(stat)).finish();
}

/** The activator's side of the autoscaler's stats websocket: buffered requests of a revision as WireStatMessages. */
export class ActivatorReporter {
  private socket?: WebSocket;

  constructor(private readonly autoscaler: string) {}

  /** Reports buffered requests to the autoscaler as the activator does (WireStatMessages over a websocket). */
  async report(ns: string, revision: string, concurrency: number): Promise<void> {
    if (!this.socket || this.socket.readyState > WebSocket.OPEN) {
      const ws = new WebSocket(this.autoscaler);
      this.socket = ws;
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      ws.on('error', () => undefined);
    } else if (this.socket.readyState === WebSocket.CONNECTING) {
      await new Promise((resolve) => this.socket!.once('open', resolve));
    }
    const msg = WireStatMessages.encode(WireStatMessages.create({
      messages: [{ namespace: ns, name: revision, stat: { podName: 'local-activator', averageConcurrentRequests: concurrency, requestCount: concurrency } }],
    })).finish();
    this.socket.send(msg, { binary: true });
  }

  close(): void {
    this.socket?.close();
  }
}
