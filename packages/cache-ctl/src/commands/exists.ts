import { Args } from '@oclif/core';
import { API_VERSION, badInput } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openCache, pathsFromInput, storeFlag } from '../cli/flags.js';
import { hashPart, isStorePath } from '../narinfo.js';

export default class Exists extends BaseCommand<typeof Exists> {
  static override description = 'which store paths the cache has (one listing for many paths, HEADs for a few)';
  static override strict = false;
  static override args = { paths: Args.string({ description: 'store paths; - reads stdin' }) };
  static override flags = { store: storeFlag };

  protected async execute() {
    const cache = openCache(this.flags.store, '--store');
    const paths = (await pathsFromInput(this.positional)).map((p) => p.split('/').slice(0, 4).join('/'));
    const bad = paths.find((p) => !isStorePath(p));
    if (bad) throw badInput('PATHS', 'store paths (/nix/store/<hash>-<name>)', bad);
    // a HEAD of a narinfo in a missing bucket answers 404 as for a missing path: the cache is checked first
    await cache.mustExist();
    const found = await cache.exists(paths.map(hashPart));
    const present = paths.filter((p) => found.has(hashPart(p)));
    const missing = paths.filter((p) => !found.has(hashPart(p)));
    return { apiVersion: API_VERSION, kind: 'CacheExists', store: cache.url, present, missing };
  }
}
