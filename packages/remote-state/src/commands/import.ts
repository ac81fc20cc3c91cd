import { Flags } from '@oclif/core';
import { ErrorCode, IwpError } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';
import { parseState, stateBytes } from '../envelope.js';
import { baseOf } from '../layout.js';
import { runHook } from '../hooks.js';
import { baseRecord, updateRecord } from '../record.js';
import { stateInfo } from '../state-info.js';

export default class Import extends BaseCommand<typeof Import> {
  static override description = 'store the output of --from as the stack\'s state, then feed the stored state to --to';
  static override examples = ['<%= config.bin %> import --from "nixops export --all" --to "nixops import"'];
  static override flags = {
    ...storeFlags,
    from: Flags.string({ description: 'shell command printing the state', required: true, helpValue: 'CMD' }),
    to: Flags.string({ description: 'shell command reading the stored state on stdin', helpValue: 'CMD' }),
    raw: Flags.boolean({ description: 'the state is bytes, not JSON' }),
    force: Flags.boolean({ description: 'replace a state the stack already has' }),
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const parsed = parseState(await runHook('--from', this.flags.from), this.flags.raw, `--from "${this.flags.from}"`);
    const cur = await stack.head();
    if (cur && !this.flags.force) {
      throw new IwpError(ErrorCode.CONFLICT, `stack ${stack.name} already has version ${cur.env.version}`, { hint: '--force makes the import a new version' });
    }
    const out = await stack.push(parsed, baseOf(cur));
    await updateRecord(stack.store.url, stack.name, baseRecord(out));
    if (this.flags.to) await runHook('--to', this.flags.to, stateBytes(out.env));
    return stateInfo(stack, out, undefined);
  }
}
