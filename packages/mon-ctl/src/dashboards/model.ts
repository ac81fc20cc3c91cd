/** Grafana's dashboard model as iwp makes it: panels are data, laid out on a 24-column grid. */

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

export const DS = { type: 'prometheus', uid: '${datasource}' };

/** A label-value variable fed by a metric, multi-select with "All" (regex `.*`). */
export function variable(name: string, label: string, query: string) {
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

export function build(uid: string, title: string, tags: string[], vars: unknown[], panels: PanelSpec[]): Dashboard {
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

/** A query as Grafana sends it: its template variables replaced ("All" is `.*`). */
export function expandVariables(expr: string, rateInterval = '1m'): string {
  return expr.replace(/\$__rate_interval|\$__interval/g, rateInterval).replace(/\$\{?(\w+)\}?/g, '.*');
}

/** Every query of a dashboard, panels and variables. */
export function dashboardQueries(d: Dashboard): string[] {
  const panels = d.panels.flatMap((p) => (p.targets as Array<{ expr: string }>).map((t) => t.expr));
  return panels;
}
