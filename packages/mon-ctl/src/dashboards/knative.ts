import { build, variable, type Dashboard } from './model.js';

/** Knative's autoscaler and revision metrics, per namespace, configuration and revision. */
const rev = 'namespace_name=~"$namespace", configuration_name=~"$configuration", revision_name=~"$revision"';
const knativeVars = [
  variable('namespace', 'Namespace', 'label_values(autoscaler_desired_pods, namespace_name)'),
  variable('configuration', 'Configuration', 'label_values(autoscaler_desired_pods{namespace_name=~"$namespace"}, configuration_name)'),
  variable('revision', 'Revision', 'label_values(autoscaler_desired_pods{namespace_name=~"$namespace", configuration_name=~"$configuration"}, revision_name)'),
];

export function knativeScaling(): Dashboard {
  return build('iwp-knative-scaling', 'Knative scaling', ['knative'], knativeVars, [
    {
      title: 'Pods: desired, requested, actual',
      description: 'what the autoscaler wants, what it asked the deployment for, and what runs',
      queries: [
        { expr: `sum by (revision_name) (autoscaler_desired_pods{${rev}})`, legend: '{{revision_name}} desired' },
        { expr: `sum by (revision_name) (autoscaler_requested_pods{${rev}})`, legend: '{{revision_name}} requested' },
        { expr: `sum by (revision_name) (autoscaler_actual_pods{${rev}})`, legend: '{{revision_name}} actual' },
      ],
    },
    {
      title: 'Pods not ready, pending, terminating',
      queries: [
        { expr: `sum by (revision_name) (autoscaler_not_ready_pods{${rev}})`, legend: '{{revision_name}} not ready' },
        { expr: `sum by (revision_name) (autoscaler_pending_pods{${rev}})`, legend: '{{revision_name}} pending' },
        { expr: `sum by (revision_name) (autoscaler_terminating_pods{${rev}})`, legend: '{{revision_name}} terminating' },
      ],
    },
    {
      title: 'Observed concurrency against target',
      description: 'stable (60 s) and panic (6 s) windows of in-flight requests per revision',
      queries: [
        { expr: `sum by (revision_name) (autoscaler_stable_request_concurrency{${rev}})`, legend: '{{revision_name}} stable' },
        { expr: `sum by (revision_name) (autoscaler_panic_request_concurrency{${rev}})`, legend: '{{revision_name}} panic' },
        { expr: `sum by (revision_name) (autoscaler_target_concurrency_per_pod{${rev}})`, legend: '{{revision_name}} target per pod' },
      ],
    },
    {
      title: 'Panic mode',
      type: 'timeseries',
      queries: [{ expr: `max by (revision_name) (autoscaler_panic_mode{${rev}})`, legend: '{{revision_name}}' }],
    },
    {
      title: 'Request rate per revision',
      unit: 'reqps',
      queries: [
        { expr: `sum by (revision_name) (rate(revision_request_count{${rev}}[$__rate_interval]))`, legend: '{{revision_name}} at the pods' },
        { expr: `sum by (revision_name) (rate(activator_request_count{${rev}}[$__rate_interval]))`, legend: '{{revision_name}} through the activator' },
      ],
    },
    {
      title: 'Scale to zero',
      description: 'revisions whose desired pods fell to zero in the last minute (1), and excess burst capacity',
      queries: [
        { expr: `count by (revision_name) ((autoscaler_desired_pods{${rev}} == 0) and (autoscaler_desired_pods{${rev}} offset 1m > 0))`, legend: '{{revision_name}} scaled to zero' },
        { expr: `sum by (revision_name) (autoscaler_excess_burst_capacity{${rev}})`, legend: '{{revision_name}} excess burst capacity' },
      ],
    },
  ]);
}

export function knativeRevisionHttp(): Dashboard {
  return build('iwp-knative-revision-http', 'Knative revision HTTP', ['knative'], knativeVars, [
    {
      title: 'Requests by response class',
      unit: 'reqps',
      queries: [{ expr: `sum by (response_code_class) (rate(revision_request_count{${rev}}[$__rate_interval]))`, legend: '{{response_code_class}}' }],
    },
    {
      title: 'Error ratio (5xx)',
      unit: 'percentunit',
      queries: [
        {
          expr: `sum(rate(revision_request_count{${rev}, response_code_class="5xx"}[$__rate_interval])) / clamp_min(sum(rate(revision_request_count{${rev}}[$__rate_interval])), 1e-9)`,
          legend: '5xx ratio',
        },
      ],
    },
    {
      title: 'Latency',
      unit: 'ms',
      width: 24,
      queries: [0.5, 0.95, 0.99].map((q) => ({
        expr: `histogram_quantile(${q}, sum by (le) (rate(revision_request_latencies_bucket{${rev}}[$__rate_interval])))`,
        legend: `p${Math.round(q * 100)}`,
      })),
    },
    {
      title: 'Application requests (queue-proxy to the container)',
      unit: 'reqps',
      queries: [{ expr: `sum by (revision_name) (rate(revision_app_request_count{${rev}}[$__rate_interval]))`, legend: '{{revision_name}}' }],
    },
    {
      title: 'Queue depth',
      queries: [{ expr: `sum by (revision_name) (revision_queue_depth{${rev}})`, legend: '{{revision_name}}' }],
    },
  ]);
}
