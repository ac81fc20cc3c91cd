import { Args, Flags } from '@oclif/core';
import { API_VERSION, parseDuration, type QueryResult } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { prometheusUrlFlag } from '../cli/flags.js';
import { PrometheusClient } from '../prom-api.js';

export default class Query extends BaseCommand<typeof Query> {
  static override description = 'run a PromQL query (instant, or --range for a range) and print the result as JSON';
  static override examples = ["<%= config.bin %> query 'up'", "<%= config.bin %> query 'sum(autoscaler_desired_pods) by (revision_name)' --range 1h"];
  static override args = { promql: Args.string({ required: true, description: 'the PromQL expression' }) };
  static override flags = {
    ...prometheusUrlFlag,
    range: Flags.string({ description: 'a range query over this long, ending now', helpValue: 'DURATION' }),
    step: Flags.string({ description: 'resolution of a range query [default: range/250]', helpValue: 'DURATION' }),
  };

  protected async execute() {
    const prom = new PrometheusClient(this.flags['prometheus-url']);
    const range = this.flags.range ? parseDuration(this.flags.range, '--range') : undefined;
    const step = this.flags.step ? parseDuration(this.flags.step, '--step') : undefined;
    const data = range ? await prom.queryRange(this.args.promql, range, step) : await prom.query(this.args.promql);
    return { apiVersion: API_VERSION, kind: 'QueryResult', query: this.args.promql, ...(range ? { rangeSeconds: range / 1000 } : {}), ...data } satisfies QueryResult;
  }
}
