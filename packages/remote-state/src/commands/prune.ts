import { Flags } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { lockIdFlags, storeFlags } from '../cli/flags.js';
import { prune } from '../prune.js';
import { heldLockId } from '../record.js';

export default class Prune extends BaseCommand<typeof Prune> {
  static override description = 'delete history entries that never became versions (pushes killed before their commit)';
  static override flags = {
    ...storeFlags,
    'dry-run': Flags.boolean({ description: 'list what would be deleted, delete nothing' }),
    ...lockIdFlags,
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const lockId = await heldLockId(this.flags['lock-id'], stack.store.url, stack.name);
    const out = await prune(stack, { dryRun: this.flags['dry-run'], ...(lockId ? { lockId } : {}) });
    this.logger.info(`${stack.name}: ${out.deleted.length} unused entr${out.deleted.length === 1 ? 'y' : 'ies'} ${out.dryRun ? 'would be deleted' : 'deleted'}, ${out.versions} versions kept`);
    return out;
  }

  protected override renderText(result: unknown): string {
    const r = result as { deleted: string[]; dryRun: boolean; versions: number };
    return [...r.deleted.map((k) => `${r.dryRun ? 'would delete' : 'deleted'} ${k}`), `${r.versions} versions kept`].join('\n');
  }
}
