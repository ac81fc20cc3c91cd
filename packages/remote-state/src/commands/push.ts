import { randomUUID } from 'node:crypto';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { lockIdFlags, storeFlags } from '../cli/flags.js';
import { canAsk, confirmDiff } from '../cli/confirm.js';
import { pushPreview, resolveExpect } from '../push-base.js';
import { parseState } from '../envelope.js';
import { runHook } from '../hooks.js';
import { readSource } from '../input.js';
import { baseRecord, readRecord, updateRecord } from '../record.js';
import { stateInfo } from '../state-info.js';

export default class Push extends BaseCommand<typeof Push> {
  static override description = 'write a new version of the state, compare-and-swap on the version last pulled here';
  static override examples = [
    '<%= config.bin %> push state.json',
    'nixops export --all | <%= config.bin %> push -',
    '<%= config.bin %> push --from "nixops export --all" --before-upload "age -r $KEY"',
  ];
  static override args = { file: Args.string({ description: 'state file, or - for stdin' }) };
  static override flags = {
    ...storeFlags,
    from: Flags.string({ description: 'take the state from the stdout of this shell command', helpValue: 'CMD' }),
    'before-upload': Flags.string({ description: 'pipe the state through this shell command before upload (encrypt); stored as bytes', helpValue: 'CMD' }),
    'expect-version': Flags.integer({ description: 'replace only this version (default: the version last pulled in this directory)', min: 0 }),
    force: Flags.boolean({ description: 'replace whatever version is current' }),
    raw: Flags.boolean({ description: 'the state is bytes, not JSON' }),
    yes: Flags.boolean({ char: 'y', description: 'do not ask for confirmation on a terminal' }),
    ...lockIdFlags,
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const { bytes, source } = await readSource(this.args.file, this.flags.from);
    let parsed = parseState(bytes, this.flags.raw, source === 'stdin' ? 'FILE (stdin)' : source);
    const rec = await readRecord(stack.store.url, stack.name);
    const expect = await resolveExpect(stack, rec, { force: this.flags.force, expectVersion: this.flags['expect-version'] });
    if (!this.flags.yes && source !== 'stdin' && canAsk()) {
      const preview = await pushPreview(stack, parsed);
      if (preview && !(await confirmDiff(preview))) return undefined;
    }
    if (this.flags['before-upload']) parsed = parseState(await runHook('--before-upload', this.flags['before-upload'], parsed.bytes), true, '--before-upload');
    const lockId = this.flags['lock-id'] ?? rec.lock?.id;
    // recorded before the write: if this process dies after the write landed, the same push
    // run again recognises it as its own instead of reporting a lost race
    const writeId = randomUUID();
    await updateRecord(stack.store.url, stack.name, { pending: writeId });
    const out = await stack.push(parsed, expect, { ...(lockId ? { lockId } : {}), writeId, ...(rec.pending ? { earlierWriteId: rec.pending } : {}) });
    await updateRecord(stack.store.url, stack.name, { ...baseRecord(out), pending: null });
    this.logger.info(`pushed ${stack.name} version ${out.env.version}`);
    return stateInfo(stack, out, undefined);
  }
}
