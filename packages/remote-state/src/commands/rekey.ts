import { Flags } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';
import { stackInfo } from '../state-info.js';
import { checkKmsKey, parseEncrypt } from '../encryption.js';
import { rekey } from '../rekey.js';

export default class Rekey extends BaseCommand<typeof Rekey> {
  static override description = 'encrypt the state and its whole history under new keys (--encrypt none: plaintext); --identity reads the old';
  static override examples = ['<%= config.bin %> rekey --stack web --identity old.key --encrypt age:age1...'];
  static override flags = {
    ...storeFlags,
    encrypt: Flags.string({ description: 'the new encryption: kms:KEY_ID and/or age:RECIPIENT, or none', multiple: true, required: true, helpValue: 'kms:KEY_ID|age:RECIPIENT|none' }),
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const next = parseEncrypt(this.flags.encrypt);
    if (next.kmsKeyId) await checkKmsKey(next.kmsKeyId);
    const r = await rekey(stack, next);
    this.logger.info(`re-keyed ${stack.name}: ${r.rewritten} object(s)`);
    return { ...(await stackInfo(stack)), encryption: r.encryption, rewritten: r.rewritten };
  }
}
