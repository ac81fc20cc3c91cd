import pMap from 'p-map';
import { ErrorCode, IwpError, type ObjectStore } from '@iwp/core';
import { formatNarInfo, parseNarInfo, type NarInfo } from './narinfo.js';

const HASH_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';
const NARINFO = /^([0-9a-df-np-sv-z]{32})\.narinfo$/;
/** above this many paths, listing the cache's keys is cheaper than one HEAD a path */
const LIST_THRESHOLD = 64;

export interface CacheInfo {
  storeDir: string;
  wantMassQuery: boolean;
  priority: number;
}

/**
 * A Nix binary cache in an object store, with exactly nix's layout: `nix-cache-info`,
 * `<hash>.narinfo`, `nar/<file>`, so `nix copy` and cache-ctl read each other's caches.
 */
export class BinaryCache {
  constructor(readonly store: ObjectStore) {}

  get url(): string {
    return this.store.url;
  }

  async init(info: CacheInfo): Promise<void> {
    await this.store.ensureReachable();
    await this.store.put('nix-cache-info', `StoreDir: ${info.storeDir}\nWantMassQuery: ${info.wantMassQuery ? 1 : 0}\nPriority: ${info.priority}\n`);
  }

  async narInfo(hash: string): Promise<NarInfo | undefined> {
    const obj = await this.store.get(`${hash}.narinfo`);
    return obj && parseNarInfo(obj.body.toString('utf8'), `${this.url}/${hash}.narinfo`);
  }

  async putNarInfo(n: NarInfo, hash: string): Promise<void> {
    await this.store.put(`${hash}.narinfo`, formatNarInfo(n));
  }

  /**
   * Hash parts of every narinfo, with their time. On S3 the listing is split by the first
   * character of the hash (32 prefixes, 8 at a time): the pages come back in parallel and
   * the NARs under `nar/` are never listed.
   */
  async listNarInfos(): Promise<Map<string, { modified: string; size: number }>> {
    const out = new Map<string, { modified: string; size: number }>();
    const shards = this.store.url.startsWith('s3://') ? [...HASH_ALPHABET] : [''];
    const pages = await pMap(shards, (p) => this.store.list(p), { concurrency: 8 });
    for (const o of pages.flat()) {
      const m = NARINFO.exec(o.key);
      if (m) out.set(m[1]!, { modified: o.modified, size: o.size });
    }
    return out;
  }

  /** Which of these hash parts have a narinfo: HEADs for a few, one listing for many. */
  async exists(hashes: string[], jobs = 16): Promise<Set<string>> {
    if (hashes.length > LIST_THRESHOLD) {
      const all = await this.listNarInfos();
      return new Set(hashes.filter((h) => all.has(h)));
    }
    const found = await pMap(hashes, async (h) => ((await this.store.head(`${h}.narinfo`)) ? h : undefined), { concurrency: jobs });
    return new Set(found.filter((h): h is string => h !== undefined));
  }

  async mustExist(): Promise<void> {
    // both at once (one round trip, not two); the store's own error, when it has one, wins
    const [reachable, info] = await Promise.allSettled([this.store.ensureReachable(), this.store.head('nix-cache-info')]);
    if (reachable.status === 'rejected') throw reachable.reason;
    if (info.status === 'rejected') throw info.reason;
    if (!info.value) {
      throw new IwpError(ErrorCode.NOT_FOUND, `${this.url} is not a binary cache (no nix-cache-info)`, { hint: `cache-ctl init ${this.url}` });
    }
  }
}
