import { Flags } from '@oclif/core';
import { writeFileAtomic } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';
import { stateBytes } from '../envelope.js';
import { runHook } from '../hooks.js';
import { baseRecord, updateRecord } from '../record.js';
import { stateInfo } from '../state-info.js';

export default class Pull extends BaseCommand<typeof Pull> {
  static override description = 'read the current state (or --version N) to stdout or --to FILE; remembers the version for the next push';
  static override examples = ['<%= config.bin %> pull --to state.json', '<%= config.bin %> pull --after-download "age -d -i key.txt" | nixops import'];
  static override flags = {
    ...storeFlags,
    to: Flags.string({ description: 'write the state to FILE (atomically) and print StateInfo', helpValue: 'FILE' }),
    'after-download': Flags.string({ description: 'pipe the state through this shell command after download (decrypt)', helpValue: 'CMD' }),
    version: Flags.integer({ description: 'an older version from the history', min: 1 }),
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const cur = await stack.pull(this.flags.version);
    let bytes = stateBytes(await stack.open(cur.env));
    if (this.flags['after-download']) bytes = await runHook('--after-download', this.flags['after-download'], bytes);
    if (this.flags.version === undefined) await updateRecord(stack.store.url, stack.name, baseRecord(cur));
    if (!this.flags.to) {
      process.stdout.write(bytes);
      return undefined;
    }
    await writeFileAtomic(this.flags.to, bytes);
    return stateInfo(stack, cur, undefined);
  }
}
