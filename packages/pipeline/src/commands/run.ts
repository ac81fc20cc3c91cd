import { Args, Flags } from '@oclif/core';
import { type PipelineRun } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { logSink, runnerFlags, runnerSettings } from '../cli/flags.js';
import { eventFromFlags, scriptPath } from '../cli/event-input.js';
import { runPipeline } from '../run.js';
import { openRunStore } from '../stores/index.js';

export default class Run extends BaseCommand<typeof Run> {
  static override description = 'run a pipeline script (TypeScript or JavaScript, brigadier API) for one event; prints its PipelineRun';
  static override examples = [
    '<%= config.bin %> run nix/pipelines/infrastructure.ts --event push --payload push.json',
    'curl -s .../payload | <%= config.bin %> run brigade.js --event push --payload - --executor runc --log-format json',
  ];
  static override args = { script: Args.string({ required: true, description: 'the pipeline script' }) };
  static override flags = {
    event: Flags.string({ required: true, description: 'event type, as a gateway names it (push, pull_request:opened, exec)' }),
    source: Flags.string({ default: 'github', description: 'event source: github, cli, or a full name such as brigade.sh/github' }),
    payload: Flags.string({ description: 'event payload (JSON) from FILE, or - for stdin', helpValue: 'FILE|-' }),
    ...runnerFlags,
  };

  private failed = false;

  protected async execute(): Promise<PipelineRun> {
    const script = await scriptPath(this.args.script);
    const event = await eventFromFlags({ source: this.flags.source, type: this.flags.event, payload: this.flags.payload });
    const settings = await runnerSettings(this.flags);
    const run = await runPipeline({ script, event, store: openRunStore(this.flags['runs-dir']), ...settings, onEvent: logSink(this.logger) });
    this.failed = run.status !== 'succeeded';
    return run;
  }

  public override async run(): Promise<unknown> {
    const result = await super.run();
    // the record is printed either way; a failed run exits 1
    if (this.failed) this.exit(1);
    return result;
  }
}
