import { Errors, Flags } from '@oclif/core';
import { doc, runProcess } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openCache, storeFlag, trustedKeys } from '../cli/flags.js';
import { readSecretKey } from '../keys.js';
import { queryPathInfo } from '../localstore.js';
import { pushPath } from '../push.js';
import { verifyCache } from '../verify.js';
import { parseCompression } from '../compression.js';

export default class Verify extends BaseCommand<typeof Verify> {
  static override description = "check every narinfo's signature and every NAR's hash and size; --repair re-uploads broken entries from the local store";
  static override flags = {
    store: storeFlag,
    'trusted-key': Flags.string({ description: 'public key(s) a signature must be by (NAME:BASE64; repeat or space-separate)', multiple: true }),
    repair: Flags.boolean({ description: 're-upload broken entries whose paths are in the local store (needs --sign-key)' }),
    'sign-key': Flags.string({ description: 'secret key for repaired entries', env: 'IWP_CACHE_SIGN_KEY', helpValue: 'FILE' }),
    compression: Flags.string({ description: 'compression of repaired entries', default: 'zstd' }),
    jobs: Flags.integer({ char: 'j', description: 'entries checked at once', default: 8, min: 1 }),
  };

  protected async execute() {
    const cache = openCache(this.flags.store, '--store');
    const keys = trustedKeys(this.flags['trusted-key']);
    const key = this.flags.repair ? await readSecretKey(this.flags['sign-key'] ?? '', '--sign-key') : undefined;
    const compression = parseCompression(this.flags.compression);
    await cache.mustExist();
    const { checked, problems } = await verifyCache(cache, keys, this.flags.jobs);
    const failed = [];
    for (const p of problems) {
      let repaired: boolean | undefined;
      if (key) {
        const info = await queryPathInfo(runProcess, [p.storePath], false).catch(() => undefined);
        if (info?.[0]) repaired = await pushPath(cache, info[0], { run: runProcess, key, compression }).then(() => true, () => false);
        else repaired = false;
      }
      failed.push({ storePath: p.storePath, problem: p.problem, ...(repaired === undefined ? {} : { repaired }) });
      this.logger.warn(`${p.storePath}: ${p.problem}${repaired ? ' (repaired)' : ''}`);
    }
    const result = doc('CacheVerify', { store: cache.url, checked, ok: checked - problems.length, failed });
    if (failed.some((f) => !f.repaired)) {
      this.print(result);
      throw new Errors.ExitError(1);
    }
    return result;
  }
}
