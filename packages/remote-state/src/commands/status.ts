import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';
import { stackInfo } from '../state-info.js';

export default class Status extends BaseCommand<typeof Status> {
  static override description = 'version, writer and lock of a stack (StateInfo)';
  static override flags = { ...storeFlags };

  protected async execute() {
    return stackInfo(openStack(this.flags));
  }
}
