import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';
import { diffStates, renderDiff, type StateDiff } from '../diff.js';
import { parseState, stateBytes } from '../envelope.js';
import { runHook } from '../hooks.js';
import { readSource } from '../input.js';

export default class Diff extends BaseCommand<typeof Diff> {
  static override description = 'structural JSON diff from the stored state to FILE (text on a terminal, a StateDiff document when piped)';
  static override args = { file: Args.string({ description: 'state file, or - for stdin' }) };
  static override flags = {
    ...storeFlags,
    from: Flags.string({ description: 'compare with the stdout of this shell command', helpValue: 'CMD' }),
    'after-download': Flags.string({ description: 'decrypt the stored state with this shell command first', helpValue: 'CMD' }),
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const { bytes, source } = await readSource(this.args.file, this.flags.from);
    const next = parseState(bytes, false, source === 'stdin' ? 'FILE (stdin)' : source);
    const cur = await stack.current();
    if (!cur) await stack.mustExist();
    let prev: unknown;
    if (cur) {
      let stored = stateBytes(await stack.open(cur.env));
      if (this.flags['after-download']) stored = await runHook('--after-download', this.flags['after-download'], stored);
      prev = parseState(stored, false, 'the stored state').value;
    }
    return diffStates(stack.name, cur?.env.version ?? null, prev, next.value);
  }

  protected override renderText(result: unknown): string {
    return renderDiff(result as StateDiff);
  }
}
