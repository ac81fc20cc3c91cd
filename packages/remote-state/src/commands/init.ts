import { Flags } from '@oclif/core';
import { badInput } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { checkBackend, unsafeBackend } from '../check.js';
import { openStack } from '../context.js';
import { storeFlags } from '../cli/flags.js';
import { stackInfo } from '../state-info.js';
import { checkKmsKey, parseEncrypt } from '../encryption.js';
import { TableLockBackend } from '../lock-table.js';

export default class Init extends BaseCommand<typeof Init> {
  static override description = 'create a stack in the store (idempotent); checks the store honours conditional writes, or creates the --lock-table';
  static override examples = [
    '<%= config.bin %> init --store s3://infra-state/prod --stack web',
    '<%= config.bin %> init --store s3://legacy/state --lock-table iwp-locks',
    '<%= config.bin %> init --stack web --encrypt kms:alias/infra-state --encrypt age:age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p',
  ];
  static override flags = {
    ...storeFlags,
    encrypt: Flags.string({
      description: 'encrypt the state at rest: kms:KEY_ID (SSE-KMS) and/or age:RECIPIENT (client-side); recorded in the stack, later commands need no flag',
      multiple: true,
      helpValue: 'kms:KEY_ID|age:RECIPIENT',
    }),
  };

  protected async execute() {
    const stack = openStack(this.flags);
    const encryption = parseEncrypt(this.flags.encrypt);
    await stack.store.ensureReachable();
    if (encryption.kmsKeyId && !stack.store.url.startsWith('s3://')) throw badInput('--encrypt', 'kms:KEY_ID only with an s3:// store', `kms:${encryption.kmsKeyId}`);
    if (encryption.kmsKeyId) await checkKmsKey(encryption.kmsKeyId);
    if (stack.locks instanceof TableLockBackend) {
      if (await stack.locks.ensureTable()) this.logger.info(`created lock table ${stack.locks.table}`);
    } else {
      const v = await checkBackend(stack.store);
      if (!v.ok) throw unsafeBackend(v);
    }
    const created = await stack.init(encryption);
    this.logger.info(created ? `created stack ${stack.name}` : `stack ${stack.name} already exists`);
    return stackInfo(stack);
  }
}
