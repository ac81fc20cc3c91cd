import { BaseCommand } from '@iwp/core';
import { checkBackend, unsafeBackend } from '../check.js';
import { openStack, storeFlags } from '../context.js';
import { TableLockBackend } from '../lock-table.js';

export default class Init extends BaseCommand<typeof Init> {
  static override description = 'create a stack in the store (idempotent); checks the store honours conditional writes, or creates the --lock-table';
  static override examples = ['<%= config.bin %> init --store s3://infra-state/prod --stack web', '<%= config.bin %> init --store s3://legacy/state --lock-table iwp-locks'];
  static override flags = { ...storeFlags };

  protected async execute() {
    const stack = openStack(this.flags);
    await stack.store.ensureReachable();
    if (stack.locks instanceof TableLockBackend) {
      if (await stack.locks.ensureTable()) this.logger.info(`created lock table ${stack.locks.table}`);
    } else {
      const v = await checkBackend(stack.store);
      if (!v.ok) throw unsafeBackend(v);
    }
    const created = await stack.init();
    this.logger.info(created ? `created stack ${stack.name}` : `stack ${stack.name} already exists`);
    return stack.info();
  }
}
