import { Flags } from '@oclif/core';
import { badInput } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';
import { releaseLock } from '../locks.js';
import { readRecord, updateRecord } from '../record.js';

export default class Unlock extends BaseCommand<typeof Unlock> {
  static override description = 'release the lock you hold (conditional on its ETag); --force removes anyone\'s';
  static override flags = {
    ...storeFlags,
    id: Flags.string({ description: 'the lock id (default: the lock taken from this directory)' }),
    force: Flags.boolean({ description: 'remove the lock whoever holds it (operators)' }),
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const rec = await readRecord(stack.store.url, stack.name);
    const id = this.flags.id ?? rec.lock?.id;
    if (!id && !this.flags.force) throw badInput('--id', 'the id of the lock to release (none was taken from this directory)');
    const token = rec.lock && rec.lock.id === id ? rec.lock.token : undefined;
    const removed = await releaseLock(stack.locks, stack.name, { ...(id ? { id } : {}), ...(token ? { token } : {}), force: this.flags.force });
    if (rec.lock) await updateRecord(stack.store.url, stack.name, { lock: null });
    if (removed && removed.id !== id) this.logger.warn(`removed the lock of ${removed.who} (id ${removed.id})`);
    return undefined;
  }
}
