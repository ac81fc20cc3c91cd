/** The PromQL shapes the dashboards repeat, each giving the query text Grafana stores. */

/** `metric{labels}` (bare without labels) */
export const series = (metric: string, labels = ''): string => (labels ? `${metric}{${labels}}` : metric);

/** per second over Grafana's rate interval */
export const rate = (s: string): string => `rate(${s}[$__rate_interval])`;

/** increase over Grafana's rate interval */
export const increase = (s: string): string => `increase(${s}[$__rate_interval])`;

/** `sum by (labels) (x)`, or `sum(x)` without labels */
export const sumBy = (by: string, x: string): string => (by ? `sum by (${by}) (${x})` : `sum(${x})`);

/** quantile `q` of a histogram's buckets, grouped by `by` besides `le` */
export const quantile = (q: number, buckets: string, by = ''): string => `histogram_quantile(${q}, ${sumBy(by ? `le, ${by}` : 'le', rate(buckets))})`;

/** `num / den`, with a zero denominator kept from dividing (no traffic reads 0, not NaN) */
export const ratio = (num: string, den: string): string => `${num} / clamp_min(${den}, 1e-9)`;
