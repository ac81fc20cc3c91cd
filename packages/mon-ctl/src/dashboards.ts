/** Grafana dashboards generated in code: panels are data, laid out on a 24-column grid. */

export interface Query {
  expr: string;
  legend: string;
}

export interface PanelSpec {
  title: string;
  queries: Query[];
  unit?: string;
  type?: 'timeseries' | 'stat';
  /** width in grid columns (24 is the whole row) */
  width?: number;
  description?: string;
}

export interface Dashboard {
  uid: string;
  title: string;
  tags: string[];
  schemaVersion: number;
  version: number;
  editable: boolean;
  time: { from: string; to: string };
  refresh: string;
  templating: { list: unknown[] };
  panels: Array<Record<string, unknown>>;
  [k: string]: unknown;
}

const DS = { type: 'prometheus', uid: '${datasource}' };

/** A label-value variable fed by a metric, multi-select with "All" (regex `.*`). */
function variable(name: string, label: string, query: string) {
  return {
    name,
    label,
    type: 'query',
    datasource: DS,
    query: { query, refId: `${name}-values` },
    definition: query,
    refresh: 2,
    includeAll: true,
    allValue: '.*',
    multi: true,
    current: { text: 'All', value: '$__all' },
    sort: 1,
  };
}

function build(uid: string, title: string, tags: string[], vars: unknown[], panels: PanelSpec[]): Dashboard {
  let x = 0;
  let y = 0;
  const out = panels.map((p, i) => {
    const w = p.width ?? 12;
    const h = p.type === 'stat' ? 4 : 8;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const panel = {
      id: i + 1,
      type: p.type ?? 'timeseries',
      title: p.title,
      ...(p.description ? { description: p.description } : {}),
      datasource: DS,
      gridPos: { x, y, w, h },
      fieldConfig: { defaults: { unit: p.unit ?? 'short' }, overrides: [] },
      options: p.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] } } : { legend: { displayMode: 'table', placement: 'bottom', calcs: ['lastNotNull', 'max'] }, tooltip: { mode: 'multi' } },
      targets: p.queries.map((q, j) => ({ refId: String.fromCharCode(65 + j), expr: q.expr, legendFormat: q.legend, datasource: DS })),
    };
    x += w;
    return panel;
  });
  return {
    uid,
    title,
    tags: ['iwp', ...tags],
    schemaVersion: 39,
    version: 1,
    editable: false,
    time: { from: 'now-1h', to: 'now' },
    refresh: '10s',
    templating: { list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', current: { text: 'Prometheus', value: 'prometheus' } }, ...vars] },
    panels: out,
  };
}

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

export function allDashboards(): Dashboard[] {
  return [knativeScaling(), knativeRevisionHttp(), iwpTools()];
}

/** A query as Grafana sends it: its template variables replaced ("All" is `.*`). */
export function expandVariables(expr: string, rateInterval = '1m'): string {
  return expr.replace(/\$__rate_interval|\$__interval/g, rateInterval).replace(/\$\{?(\w+)\}?/g, '.*');
}

/** Every query of a dashboard, panels and variables. */
export function dashboardQueries(d: Dashboard): string[] {
  const panels = d.panels.flatMap((p) => (p.targets as Array<{ expr: string }>).map((t) => t.expr));
  return panels;
}
