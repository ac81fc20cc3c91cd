import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { writeIfChanged } from './write-if-changed.js';

/** One layer of a build, as `buildImage` lists it. */
export interface MemoLayer {
  digest: string;
  size: number;
  diffId: string;
  storePaths: string[];
}

/** What a build made from the same contents and options: its layers and the closure's paths. */
export interface BuildMemo {
  layers: MemoLayer[];
  storePaths: string[];
}

/**
 * Builds by what decides their layers: the contents' output paths (store paths are immutable,
 * so their closure and top-level entries are too), extraFiles, compression and --max-layers.
 * A rebuild of an unchanged description finds its layers here after the evaluation alone,
 * without asking nix for the closure again.
 */
export class BuildMemos {
  constructor(private readonly dir: string) {}

  static key(parts: unknown): string {
    return createHash('sha256').update(`iwp-build-memo-v1\0${JSON.stringify(parts)}`).digest('hex');
  }

  private file(key: string): string {
    return join(this.dir, 'builds', `${key}.json`);
  }

  /** The memo, when every layer blob it names is still in the layer cache at its size. */
  async read(key: string, blobPath: (digest: string) => string): Promise<BuildMemo | undefined> {
    try {
      const memo = JSON.parse(await readFile(this.file(key), 'utf8')) as BuildMemo;
      for (const l of memo.layers) if ((await stat(blobPath(l.digest))).size !== l.size) return undefined;
      return memo;
    } catch {
      return undefined;
    }
  }

  async write(key: string, memo: BuildMemo): Promise<void> {
    await writeIfChanged(this.file(key), JSON.stringify(memo));
  }
}
