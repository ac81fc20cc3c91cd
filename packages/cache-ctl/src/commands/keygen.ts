import { access, constants } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { API_VERSION, ErrorCode, IwpError, writeFileAtomic } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { generateKeyPair } from '../keys.js';

export default class Keygen extends BaseCommand<typeof Keygen> {
  static override description = "write an ed25519 signing key pair in nix's format (as nix-store --generate-binary-cache-key)";
  static override examples = ['<%= config.bin %> keygen --name cache.example.org-1 --secret-key cache.sec --public-key cache.pub'];
  static override flags = {
    name: Flags.string({ required: true, description: 'key name, by convention the cache host and a number' }),
    'secret-key': Flags.string({ description: 'secret key file (mode 0600) [default: NAME.sec]', helpValue: 'FILE' }),
    'public-key': Flags.string({ description: 'public key file [default: NAME.pub]', helpValue: 'FILE' }),
    force: Flags.boolean({ description: 'overwrite an existing secret key file' }),
  };

  protected async execute() {
    const pair = generateKeyPair(this.flags.name);
    const sec = this.flags['secret-key'] ?? `${this.flags.name}.sec`;
    const pub = this.flags['public-key'] ?? `${this.flags.name}.pub`;
    if (!this.flags.force && (await access(sec, constants.F_OK).then(() => true, () => false))) {
      throw new IwpError(ErrorCode.CONFLICT, `${sec} exists: a key is never overwritten without --force`);
    }
    await writeFileAtomic(sec, pair.secret, { mode: 0o600 });
    await writeFileAtomic(pub, pair.public);
    return { apiVersion: API_VERSION, kind: 'CacheKey', name: this.flags.name, publicKey: pair.public, secretKeyFile: sec, publicKeyFile: pub };
  }
}
