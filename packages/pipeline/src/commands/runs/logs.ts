import { Args, Flags } from '@oclif/core';
import { API_VERSION, type PipelineRunLogs } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openRunStore, SCRIPT_LOG } from '../../stores/index.js';

export default class RunsLogs extends BaseCommand<typeof RunsLogs> {
  static override description = 'print the logs of a run (the script\'s output and each job\'s, secrets masked)';
  static override examples = ['<%= config.bin %> runs logs 20250102-030405-a1b2c3', '<%= config.bin %> runs logs 20250102-030405-a1b2c3 --job build'];
  static override args = { run: Args.string({ required: true, description: 'run id, or a unique prefix of one' }) };
  static override flags = {
    'runs-dir': Flags.string({ description: 'run history: a directory or s3://bucket/prefix [default: ~/.cache/iwp/pipeline/runs]', helpValue: 'DIR|s3://...' }),
    job: Flags.string({ description: `only this job's log (${SCRIPT_LOG} for the script's own output)` }),
  };

  protected async execute() {
    const logs = await openRunStore(this.flags['runs-dir']).logs(this.args.run, this.flags.job);
    // like `kubectl logs`, plain text unless --json asks for a document
    if (this.flags.json) return { apiVersion: API_VERSION, kind: 'PipelineRunLogs', run: this.args.run, logs } satisfies PipelineRunLogs;
    const one = logs.length === 1;
    for (const l of logs) {
      if (!one) process.stdout.write(`==> ${l.job} <==\n`);
      process.stdout.write(l.text.endsWith('\n') || l.text === '' ? l.text : `${l.text}\n`);
    }
    return undefined;
  }
}
