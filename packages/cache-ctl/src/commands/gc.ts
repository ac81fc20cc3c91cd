import { readFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { badInput, doc, parseDuration, readStream } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openCache, storeFlag } from '../cli/flags.js';
import { collectGarbage } from '../gc.js';
import { isStorePath } from '../narinfo.js';

export default class Gc extends BaseCommand<typeof Gc> {
  static override description = 'keep the closures of the roots, delete the rest (narinfos before NARs)';
  static override examples = ['<%= config.bin %> gc --store s3://nix-cache --roots roots.txt --older-than 30d --dry-run'];
  static override flags = {
    store: storeFlag,
    roots: Flags.string({ description: 'file of root store paths, one per line (- for stdin)', required: true, helpValue: 'FILE' }),
    'older-than': Flags.string({ description: 'delete only what is older than this', helpValue: 'DURATION' }),
    'dry-run': Flags.boolean({ description: 'report what would be deleted, delete nothing' }),
  };

  protected async execute() {
    const cache = openCache(this.flags.store, '--store');
    const text = this.flags.roots === '-' ? await readStream(process.stdin) : await readFile(this.flags.roots, 'utf8').catch(() => {
      throw badInput('--roots', 'a readable file of store paths', this.flags.roots);
    });
    const roots = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const bad = roots.find((r) => !isStorePath(r));
    if (bad) throw badInput('--roots', 'store paths, one per line', bad);
    const olderThan = this.flags['older-than'] ? Date.now() - parseDuration(this.flags['older-than'], '--older-than') : undefined;
    await cache.mustExist();
    const r = await collectGarbage(cache, roots, { dryRun: this.flags['dry-run'], ...(olderThan === undefined ? {} : { olderThan }) });
    return doc('CacheGC', { store: cache.url, dryRun: Boolean(this.flags['dry-run']), kept: r.kept, deleted: r.deleted, deletedNars: r.deletedNars, bytesFreed: r.bytesFreed, deletedPaths: r.deletedPaths, activePushes: r.activePushes });
  }
}
