import { Args, Flags } from '@oclif/core';
import { doc, runProcess } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { parseCompression } from '../compression.js';
import { openCache, pathsFromInput } from '../cli/flags.js';
import { readSecretKey } from '../keys.js';
import { resolveInstallables } from '../localstore.js';
import { pushClosure } from '../push.js';

export default class Push extends BaseCommand<typeof Push> {
  static override description = 'push whole closures to the cache, signed; only what is missing is uploaded';
  static override examples = [
    '<%= config.bin %> push ./result --to s3://nix-cache --sign-key cache.sec',
    'nix-image build web.nix | <%= config.bin %> push - --to file:///var/cache/nix --sign-key cache.sec',
  ];
  static override strict = false;
  static override args = { paths: Args.string({ description: 'store paths, links into the store, .drv or .nix files; - reads stdin' }) };
  static override flags = {
    to: Flags.string({ description: 'the binary cache', env: 'IWP_CACHE', helpValue: 'URL' }),
    'sign-key': Flags.string({ description: 'secret key file (nix format)', env: 'IWP_CACHE_SIGN_KEY', required: true, helpValue: 'FILE' }),
    compression: Flags.string({ description: 'zstd, xz, bzip2 or none', default: 'zstd' }),
    jobs: Flags.integer({ char: 'j', description: 'paths uploaded at once', default: 4, min: 1, max: 64 }),
  };

  protected async execute() {
    const cache = openCache(this.flags.to, '--to');
    const key = await readSecretKey(this.flags['sign-key']);
    const compression = parseCompression(this.flags.compression);
    const paths = await resolveInstallables(runProcess, await pathsFromInput(this.positional));
    const started = performance.now();
    const r = await pushClosure(cache, paths, {
      run: runProcess,
      key,
      compression,
      jobs: this.flags.jobs,
      onPath: (p, n) => this.logger.info(`pushed ${p}`, { bytes: n }),
      onWaitForGc: (gc) => this.logger.info(`waiting for the gc running since ${gc.created} (${gc.who})`, { lease: gc.id }),
      onRetry: (p, err) => this.logger.warn(`retrying ${p}: ${(err as Error).message}`),
    });
    return doc('CachePush', { store: cache.url, paths: r.paths, uploaded: r.uploaded, skipped: r.skipped, bytes: r.bytes, seconds: Math.round(performance.now() - started) / 1000, storePaths: r.storePaths });
  }
}

