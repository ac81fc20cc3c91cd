import { Args, Flags } from '@oclif/core';
import { type PipelineRun } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openRunStore } from '../../stores/index.js';

export default class RunsShow extends BaseCommand<typeof RunsShow> {
  static override description = 'print the PipelineRun record of a run';
  static override examples = ['<%= config.bin %> runs show 20250102-030405-a1b2c3', '<%= config.bin %> runs show 20250102 --json'];
  static override args = { run: Args.string({ required: true, description: 'run id, or a unique prefix of one' }) };
  static override flags = {
    'runs-dir': Flags.string({ description: 'run history: a directory or s3://bucket/prefix [default: ~/.cache/iwp/pipeline/runs]', helpValue: 'DIR|s3://...' }),
  };

  protected async execute(): Promise<PipelineRun> {
    return openRunStore(this.flags['runs-dir']).get(this.args.run);
  }
}
