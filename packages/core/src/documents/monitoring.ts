import { Type, type Static } from '@sinclair/typebox';
import { header, open } from './common.js';

/** mon-ctl: the monitoring stack, queries, port-forwards and dashboard exports. */
export const MonitoringStack = Type.Object(
  {
    ...header('MonitoringStack'),
    namespace: Type.String(),
    components: Type.Array(
      Type.Object({ name: Type.String(), kind: Type.String(), ready: Type.Optional(Type.Boolean()) }, open),
    ),
    prometheusUrl: Type.Optional(Type.String()),
    grafanaUrl: Type.Optional(Type.String()),
  },
  open,
);
export type MonitoringStack = Static<typeof MonitoringStack>;

/** `mon-ctl query`: Prometheus's answer (`data` of its HTTP API) with the query. */
export const QueryResult = Type.Object(
  {
    ...header('QueryResult'),
    query: Type.String(),
    /** a range query over this long, ending now */
    rangeSeconds: Type.Optional(Type.Number({ minimum: 0 })),
    resultType: Type.String(),
    result: Type.Array(Type.Unknown()),
  },
  open,
);
export type QueryResult = Static<typeof QueryResult>;

/** `mon-ctl port-forward`: printed once the local port listens. */
export const PortForward = Type.Object(
  {
    ...header('PortForward'),
    target: Type.Union([Type.Literal('prometheus'), Type.Literal('grafana')]),
    namespace: Type.String(),
    pod: Type.String(),
    url: Type.String(),
  },
  open,
);
export type PortForward = Static<typeof PortForward>;

/** `mon-ctl dashboards export`: the Grafana JSON files written. */
export const DashboardExport = Type.Object({ ...header('DashboardExport'), dir: Type.String(), files: Type.Array(Type.String()) }, open);
export type DashboardExport = Static<typeof DashboardExport>;
