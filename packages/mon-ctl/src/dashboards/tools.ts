import { build, type Dashboard } from './model.js';
import { increase, quantile, rate, ratio, series, sumBy } from './promql.js';

/** iwp's own tools: the binary cache and the pipeline server. */
export function iwpTools(): Dashboard {
  return build('iwp-tools', 'iwp tools', ['tools'], [], [
    {
      title: 'Binary cache requests',
      unit: 'reqps',
      queries: [{ expr: sumBy('kind, status', rate('cache_ctl_requests_total')), legend: '{{kind}} {{status}}' }],
    },
    {
      title: 'Binary cache: narinfo hits from memory',
      unit: 'percentunit',
      queries: [{ expr: ratio(sumBy('', rate('cache_ctl_narinfo_cache_hits_total')), sumBy('', rate(series('cache_ctl_requests_total', 'kind="narinfo"')))), legend: 'hit ratio' }],
    },
    {
      title: 'Binary cache latency p99',
      unit: 's',
      queries: [{ expr: quantile(0.99, 'cache_ctl_request_duration_seconds_bucket', 'kind'), legend: '{{kind}}' }],
    },
    {
      title: 'NAR bytes served',
      unit: 'Bps',
      queries: [{ expr: sumBy('', rate('cache_ctl_nar_bytes_total')), legend: 'bytes/s' }],
    },
    {
      title: 'Pipeline runs',
      queries: [
        { expr: sumBy('status', increase('iwp_pipeline_runs_total')), legend: '{{status}}' },
        { expr: sumBy('', 'iwp_pipeline_runs_queued'), legend: 'queued' },
        { expr: sumBy('', 'iwp_pipeline_runs_running'), legend: 'running' },
      ],
    },
    {
      title: 'Pipeline: webhook to start p95, job duration p95',
      unit: 's',
      queries: [
        { expr: quantile(0.95, 'iwp_pipeline_webhook_to_start_seconds_bucket'), legend: 'webhook to start' },
        { expr: quantile(0.95, 'iwp_pipeline_job_duration_seconds_bucket', 'executor'), legend: 'job {{executor}}' },
      ],
    },
  ]);
}
