import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in a registry of its own (not prom-client's global). */
export function gatewayMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'iwp_pipeline_' });
  const m = {
    registry,
    webhooks: new Counter({ name: 'iwp_pipeline_webhooks_total', help: 'webhook requests by outcome', labelNames: ['result'] as const, registers: [registry] }),
    runs: new Counter({ name: 'iwp_pipeline_runs_total', help: 'finished runs by status', labelNames: ['status'] as const, registers: [registry] }),
    queued: new Gauge({ name: 'iwp_pipeline_runs_queued', help: 'runs waiting for a slot', registers: [registry] }),
    running: new Gauge({ name: 'iwp_pipeline_runs_running', help: 'runs in progress', registers: [registry] }),
    runSeconds: new Histogram({ name: 'iwp_pipeline_run_duration_seconds', help: 'run duration', labelNames: ['status'] as const, buckets: [0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600], registers: [registry] }),
    jobSeconds: new Histogram({ name: 'iwp_pipeline_job_duration_seconds', help: 'job duration', labelNames: ['executor', 'status'] as const, buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 300, 900], registers: [registry] }),
    startSeconds: new Histogram({ name: 'iwp_pipeline_webhook_to_start_seconds', help: 'from webhook received to the script starting', buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60], registers: [registry] }),
  };
  for (const r of ['accepted', 'unauthorized', 'replayed', 'too_large', 'bad_request', 'queue_full', 'ignored']) m.webhooks.inc({ result: r }, 0);
  return m;
}

export type GatewayMetrics = ReturnType<typeof gatewayMetrics>;
