import { build, type Dashboard } from './model.js';

/** iwp's own tools: the binary cache and the pipeline server. */
export function iwpTools(): Dashboard {
  return build('iwp-tools', 'iwp tools', ['tools'], [], [
    {
      title: 'Binary cache requests',
      unit: 'reqps',
      queries: [{ expr: 'sum by (kind, status) (rate(cache_ctl_requests_total[$__rate_interval]))', legend: '{{kind}} {{status}}' }],
    },
    {
      title: 'Binary cache: narinfo hits from memory',
      unit: 'percentunit',
      queries: [
        {
          expr: 'sum(rate(cache_ctl_narinfo_cache_hits_total[$__rate_interval])) / clamp_min(sum(rate(cache_ctl_requests_total{kind="narinfo"}[$__rate_interval])), 1e-9)',
          legend: 'hit ratio',
        },
      ],
    },
    {
      title: 'Binary cache latency p99',
      unit: 's',
      queries: [{ expr: 'histogram_quantile(0.99, sum by (le, kind) (rate(cache_ctl_request_duration_seconds_bucket[$__rate_interval])))', legend: '{{kind}}' }],
    },
    {
      title: 'NAR bytes served',
      unit: 'Bps',
      queries: [{ expr: 'sum(rate(cache_ctl_nar_bytes_total[$__rate_interval]))', legend: 'bytes/s' }],
    },
    {
      title: 'Pipeline runs',
      queries: [
        { expr: 'sum by (status) (increase(iwp_pipeline_runs_total[$__rate_interval]))', legend: '{{status}}' },
        { expr: 'sum(iwp_pipeline_runs_queued)', legend: 'queued' },
        { expr: 'sum(iwp_pipeline_runs_running)', legend: 'running' },
      ],
    },
    {
      title: 'Pipeline: webhook to start p95, job duration p95',
      unit: 's',
      queries: [
        { expr: 'histogram_quantile(0.95, sum by (le) (rate(iwp_pipeline_webhook_to_start_seconds_bucket[$__rate_interval])))', legend: 'webhook to start' },
        { expr: 'histogram_quantile(0.95, sum by (le, executor) (rate(iwp_pipeline_job_duration_seconds_bucket[$__rate_interval])))', legend: 'job {{executor}}' },
      ],
    },
  ]);
}
