import { knativeRevisionHttp, knativeScaling } from './knative.js';
import type { Dashboard } from './model.js';
import { iwpTools } from './tools.js';

/** Grafana dashboards generated in code: the model in model.ts, one file per area. */
export { dashboardQueries, expandVariables, type Dashboard, type PanelSpec, type Query } from './model.js';
export { knativeRevisionHttp, knativeScaling, iwpTools };

export function allDashboards(): Dashboard[] {
  return [knativeScaling(), knativeRevisionHttp(), iwpTools()];
}
