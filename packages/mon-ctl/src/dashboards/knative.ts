import { build, variable, type Dashboard, type Query } from './model.js';
import { quantile, rate, ratio, series, sumBy } from './promql.js';

/** Knative's autoscaler and revision metrics, per namespace, configuration and revision. */
const rev = 'namespace_name=~"$namespace", configuration_name=~"$configuration", revision_name=~"$revision"';
const knativeVars = [
  variable('namespace', 'Namespace', 'label_values(autoscaler_desired_pods, namespace_name)'),
  variable('configuration', 'Configuration', 'label_values(autoscaler_desired_pods{namespace_name=~"$namespace"}, configuration_name)'),
  variable('revision', 'Revision', 'label_values(autoscaler_desired_pods{namespace_name=~"$namespace", configuration_name=~"$configuration"}, revision_name)'),
];

/** one line per revision: `metric` of the selected revisions, summed (or `max`) by revision */
const perRevision = (metric: string, what = '', agg: 'sum' | 'max' = 'sum'): Query => ({
  expr: `${agg} by (revision_name) (${series(metric, rev)})`,
  legend: what ? `{{revision_name}} ${what}` : '{{revision_name}}',
});

/** one line per revision: the rate of the counter `metric` */
const ratePerRevision = (metric: string, what = ''): Query => ({
  expr: sumBy('revision_name', rate(series(metric, rev))),
  legend: what ? `{{revision_name}} ${what}` : '{{revision_name}}',
});

export function knativeScaling(): Dashboard {
  const desired = series('autoscaler_desired_pods', rev);
  return build('iwp-knative-scaling', 'Knative scaling', ['knative'], knativeVars, [
    {
      title: 'Pods: desired, requested, actual',
      description: 'what the autoscaler wants, what it asked the deployment for, and what runs',
      queries: [perRevision('autoscaler_desired_pods', 'desired'), perRevision('autoscaler_requested_pods', 'requested'), perRevision('autoscaler_actual_pods', 'actual')],
    },
    {
      title: 'Pods not ready, pending, terminating',
      queries: [perRevision('autoscaler_not_ready_pods', 'not ready'), perRevision('autoscaler_pending_pods', 'pending'), perRevision('autoscaler_terminating_pods', 'terminating')],
    },
    {
      title: 'Observed concurrency against target',
      description: 'stable (60 s) and panic (6 s) windows of in-flight requests per revision',
      queries: [
        perRevision('autoscaler_stable_request_concurrency', 'stable'),
        perRevision('autoscaler_panic_request_concurrency', 'panic'),
        perRevision('autoscaler_target_concurrency_per_pod', 'target per pod'),
      ],
    },
    {
      title: 'Panic mode',
      type: 'timeseries',
      queries: [perRevision('autoscaler_panic_mode', '', 'max')],
    },
    {
      title: 'Request rate per revision',
      unit: 'reqps',
      queries: [ratePerRevision('revision_request_count', 'at the pods'), ratePerRevision('activator_request_count', 'through the activator')],
    },
    {
      title: 'Scale to zero',
      description: 'revisions whose desired pods fell to zero in the last minute (1), and excess burst capacity',
      queries: [
        { expr: `count by (revision_name) ((${desired} == 0) and (${desired} offset 1m > 0))`, legend: '{{revision_name}} scaled to zero' },
        perRevision('autoscaler_excess_burst_capacity', 'excess burst capacity'),
      ],
    },
  ]);
}

export function knativeRevisionHttp(): Dashboard {
  const requests = rate(series('revision_request_count', rev));
  return build('iwp-knative-revision-http', 'Knative revision HTTP', ['knative'], knativeVars, [
    {
      title: 'Requests by response class',
      unit: 'reqps',
      queries: [{ expr: sumBy('response_code_class', requests), legend: '{{response_code_class}}' }],
    },
    {
      title: 'Error ratio (5xx)',
      unit: 'percentunit',
      queries: [{ expr: ratio(sumBy('', rate(series('revision_request_count', `${rev}, response_code_class="5xx"`))), sumBy('', requests)), legend: '5xx ratio' }],
    },
    {
      title: 'Latency',
      unit: 'ms',
      width: 24,
      queries: [0.5, 0.95, 0.99].map((q) => ({ expr: quantile(q, series('revision_request_latencies_bucket', rev)), legend: `p${Math.round(q * 100)}` })),
    },
    {
      title: 'Application requests (queue-proxy to the container)',
      unit: 'reqps',
      queries: [ratePerRevision('revision_app_request_count')],
    },
    {
      title: 'Queue depth',
      queries: [perRevision('revision_queue_depth')],
    },
  ]);
}
