import { BaseCommand, badInput } from '@iwp/core';
import { ensureSafeBackend, unsafeBackend } from '../check.js';
import { storeFlags } from '../context.js';
import { openStore } from '@iwp/core';

export default class CheckBackend extends BaseCommand<typeof CheckBackend> {
  static override description = 'prove the store honours conditional writes (two racing creates: exactly one wins; stale If-Match refused)';
  static override flags = { store: storeFlags.store };

  protected async execute() {
    if (!this.flags.store) throw badInput('--store', 'a store URL (s3://bucket[/prefix] or file:///dir), or REMOTE_STATE_STORE');
    const store = openStore(this.flags.store);
    await store.ensureReachable();
    const v = await ensureSafeBackend(store, { recheck: true });
    if (!v.ok) throw unsafeBackend(v);
    return v;
  }
}
