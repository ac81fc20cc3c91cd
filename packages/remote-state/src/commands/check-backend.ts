import { BaseCommand } from '@iwp/core/cli';
import { ensureSafeBackend, unsafeBackend } from '../check.js';
import { openStoreFlag } from '../context.js';
import { storeFlags } from '../cli/flags.js';

export default class CheckBackend extends BaseCommand<typeof CheckBackend> {
  static override description = 'prove the store honours conditional writes (two racing creates: exactly one wins; stale If-Match refused)';
  static override flags = { store: storeFlags.store };

  protected async execute() {
    const store = openStoreFlag(this.flags);
    await store.ensureReachable();
    const v = await ensureSafeBackend(store, { recheck: true });
    if (!v.ok) throw unsafeBackend(v);
    return v;
  }
}
