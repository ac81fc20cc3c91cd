import { Flags } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { lockIdFlags, storeFlags } from '../cli/flags.js';
import { baseRecord, heldLockId, updateRecord } from '../record.js';
import { stateInfo } from '../state-info.js';

export default class Rollback extends BaseCommand<typeof Rollback> {
  static override description = 'write a new version equal to an older one (history is never rewritten)';
  static override flags = {
    ...storeFlags,
    to: Flags.integer({ description: 'the version to return to', required: true, min: 1 }),
    ...lockIdFlags,
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const lockId = await heldLockId(this.flags['lock-id'], stack.store.url, stack.name);
    const out = await stack.rollback(this.flags.to, lockId ? { lockId } : {});
    await updateRecord(stack.store.url, stack.name, baseRecord(out));
    this.logger.info(`${stack.name} version ${out.env.version} = version ${this.flags.to}`);
    return stateInfo(stack, out, undefined);
  }
}
