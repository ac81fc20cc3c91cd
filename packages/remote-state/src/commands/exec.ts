import { Errors, Flags } from '@oclif/core';
import { badInput } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { leaseFlags, storeFlags } from '../cli/flags.js';
import { execWithState } from '../exec.js';
import { leaseOptions, requireSafeLocks } from '../lease.js';

export default class Exec extends BaseCommand<typeof Exec> {
  static override description = 'lock, pull into $REMOTE_STATE_FILE, run CMD, push the file if it changed, unlock; exits with CMD\'s code';
  static override examples = ['<%= config.bin %> exec --reason deploy --wait 5m -- nixops deploy -s "$REMOTE_STATE_FILE"'];
  static override strict = false;
  static override flags = {
    ...storeFlags,
    ...leaseFlags,
    raw: Flags.boolean({ description: 'the state is bytes, not JSON' }),
  };

  protected async execute() {
    const dash = this.argv.indexOf('--');
    const command = dash >= 0 ? this.argv.slice(dash + 1) : [];
    if (command.length === 0) throw badInput('CMD', 'a command after --, as in: remote-state exec -- CMD ARGS...');
    const stack = openStack(this.flags);
    await requireSafeLocks(stack);
    const r = await execWithState(stack, {
      command,
      ...leaseOptions(this.flags),
      raw: this.flags.raw,
      log: (msg, fields) => this.logger.info(msg, fields),
    });
    if (r.exitCode !== 0) throw new Errors.ExitError(r.exitCode);
    return undefined;
  }
}
