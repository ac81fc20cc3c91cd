import { Errors } from '@oclif/core';
import { ExitCode } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';

export default class HasState extends BaseCommand<typeof HasState> {
  static override description = 'exit 0 when the stack has a state, 4 when it has none';
  static override flags = { ...storeFlags };

  protected async execute() {
    const stack = openStack(this.flags);
    if (await stack.head()) return undefined;
    throw new Errors.ExitError(ExitCode.NOT_FOUND);
  }
}
