import { BaseCommand } from '@iwp/core/cli';
import { openStack, storeFlags } from '../context.js';

export default class Status extends BaseCommand<typeof Status> {
  static override description = 'version, writer and lock of a stack (StateInfo)';
  static override flags = { ...storeFlags };

  protected async execute() {
    return openStack(this.flags).info();
  }
}
