import { API_VERSION, list, renderTable } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';

export default class History extends BaseCommand<typeof History> {
  static override description = 'every accepted version of the stack (pull --version N reads one)';
  static override flags = { ...storeFlags };

  protected async execute() {
    const stack = openStack(this.flags);
    const items = await stack.history();
    return list('StateVersion', items.map((h) => ({ apiVersion: API_VERSION, kind: 'StateVersion', stack: stack.name, ...h })));
  }

  protected override renderText(result: unknown): string {
    return renderTable((result as { items: Array<Record<string, unknown>> }).items, ['version', 'size', 'modified']);
  }
}
