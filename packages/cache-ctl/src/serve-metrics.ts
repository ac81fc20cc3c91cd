import { Counter, Histogram, Registry } from 'prom-client';

/** What `serve` exports on /metrics (Prometheus format). */
export function serveMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({ name: 'cache_ctl_requests_total', help: 'requests by kind and status', labelNames: ['kind', 'status'], registers: [registry] }),
    duration: new Histogram({
      name: 'cache_ctl_request_duration_seconds',
      help: 'request latency by kind',
      labelNames: ['kind'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    narBytes: new Counter({ name: 'cache_ctl_nar_bytes_total', help: 'NAR bytes served', registers: [registry] }),
    hits: new Counter({ name: 'cache_ctl_narinfo_cache_hits_total', help: 'narinfo answers from memory', registers: [registry] }),
  };
}
export type ServeMetrics = ReturnType<typeof serveMetrics>;
