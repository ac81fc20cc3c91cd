import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { leaseFlags, storeFlags } from '../cli/flags.js';
import { leaseOptions, lockDocument, requireSafeLocks } from '../lease.js';
import { acquireLock } from '../locks.js';
import { updateRecord } from '../record.js';

export default class Lock extends BaseCommand<typeof Lock> {
  static override description = 'take the stack lock with a lease (If-None-Match: * on lock.json, or a conditional PutItem)';
  static override examples = ['<%= config.bin %> lock --reason "deploy 1.4" --ttl 15m --wait 2m', '<%= config.bin %> lock --steal-expired'];
  static override flags = { ...storeFlags, ...leaseFlags };

  protected async execute() {
    const stack = openStack(this.flags);
    const opts = leaseOptions(this.flags);
    await requireSafeLocks(stack);
    const held = await acquireLock(stack.locks, stack.name, { ...opts, onWait: (h) => this.logger.info(`waiting for the lock held by ${h.who}`) });
    await updateRecord(stack.store.url, stack.name, { lock: { id: held.info.id, token: held.token } });
    return lockDocument(held.info);
  }
}
