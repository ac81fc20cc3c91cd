import { Args, Flags } from '@oclif/core';
import { API_VERSION } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openCache } from '../cli/flags.js';

export default class Init extends BaseCommand<typeof Init> {
  static override description = 'write nix-cache-info to a store (the bucket or directory must exist)';
  static override examples = ['<%= config.bin %> init s3://nix-cache?region=eu-west-1', '<%= config.bin %> init file:///var/cache/nix'];
  static override args = { store: Args.string({ required: true, description: 's3://bucket[/prefix] or file:///dir' }) };
  static override flags = {
    priority: Flags.integer({ description: 'substituter priority (lower is preferred; cache.nixos.org is 40)', default: 40, min: 0 }),
    'want-mass-query': Flags.boolean({ description: 'let nix query many paths at once', default: true, allowNo: true }),
  };

  protected async execute() {
    const cache = openCache(this.args.store, 'STORE');
    await cache.init({ storeDir: '/nix/store', wantMassQuery: this.flags['want-mass-query'], priority: this.flags.priority });
    return { apiVersion: API_VERSION, kind: 'BinaryCache', store: cache.url, storeDir: '/nix/store', priority: this.flags.priority, wantMassQuery: this.flags['want-mass-query'] };
  }
}
