import { BaseCommand, list, renderTable } from '@iwp/core';
import { openLocks, storeFlags } from '../context.js';
import { lockDocument } from '../lock-flags.js';
import { isExpired } from '../locks.js';
import { openStore } from '@iwp/core';
import { badInput } from '@iwp/core';

export default class Locks extends BaseCommand<typeof Locks> {
  static override description = 'list the current locks of every stack in the store';
  static override flags = { store: storeFlags.store, 'lock-table': storeFlags['lock-table'] };

  protected async execute() {
    if (!this.flags.store) throw badInput('--store', 'a store URL (s3://bucket[/prefix] or file:///dir), or REMOTE_STATE_STORE');
    const store = openStore(this.flags.store);
    const entries = await openLocks(this.flags, store).list();
    return list('Lock', entries.map((e) => ({ ...lockDocument(e.info), expired: isExpired(e.info) })));
  }

  protected override renderText(result: unknown): string {
    const items = (result as { items: Array<Record<string, unknown>> }).items;
    return items.length ? renderTable(items, ['stack', 'who', 'reason', 'created', 'expires', 'expired', 'id']) : 'no locks';
  }
}
