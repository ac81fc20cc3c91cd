import { list, renderTable } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openLocks, openStoreFlag } from '../context.js';
import { storeFlags } from '../cli/flags.js';
import { lockDocument } from '../lease.js';
import { isExpired } from '../locks.js';

export default class Locks extends BaseCommand<typeof Locks> {
  static override description = 'list the current locks of every stack in the store';
  static override flags = { store: storeFlags.store, 'lock-table': storeFlags['lock-table'] };

  protected async execute() {
    const store = openStoreFlag(this.flags);
    const entries = await openLocks(this.flags, store).list();
    return list('Lock', entries.map((e) => ({ ...lockDocument(e.info), expired: isExpired(e.info) })));
  }

  protected override renderText(result: unknown): string {
    const items = (result as { items: Array<Record<string, unknown>> }).items;
    return items.length ? renderTable(items, ['stack', 'who', 'reason', 'created', 'expires', 'expired', 'id']) : 'no locks';
  }
}
