import { Flags } from '@oclif/core';
import { list, renderTable, type PipelineRun } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openRunStore } from '../../stores/index.js';

export default class RunsList extends BaseCommand<typeof RunsList> {
  static override description = 'list pipeline runs, newest first';
  static override examples = ['<%= config.bin %> runs list --limit 5', '<%= config.bin %> runs list --status failed --runs-dir s3://ci-runs/pipeline'];
  static override flags = {
    'runs-dir': Flags.string({ description: 'run history: a directory or s3://bucket/prefix [default: ~/.cache/iwp/pipeline/runs]', helpValue: 'DIR|s3://...' }),
    limit: Flags.integer({ min: 1, default: 50, description: 'at most this many runs' }),
    status: Flags.option({ options: ['succeeded', 'failed', 'running', 'queued'] as const, description: 'only runs in this state' })(),
  };

  protected async execute() {
    const runs = await openRunStore(this.flags['runs-dir']).list();
    const items = runs.filter((r) => !this.flags.status || r.status === this.flags.status).slice(0, this.flags.limit);
    return list('PipelineRun', items);
  }

  protected override renderText(result: unknown): string {
    const items = (result as { items: PipelineRun[] }).items;
    if (items.length === 0) return 'no runs';
    return renderTable(
      items.map((r) => ({
        id: r.id,
        event: `${r.event.source}:${r.event.type}`,
        status: r.status,
        jobs: r.jobs.length,
        started: r.startedAt,
        ms: (r as { durationMs?: number }).durationMs,
      })),
      ['id', 'event', 'status', 'jobs', 'started', 'ms'],
    );
  }
}
