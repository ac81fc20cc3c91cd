import { API_VERSION, badInput, ErrorCode, IwpError, type ObjectStore, type StatePointer } from '@iwp/core';
import { encryptionList, parseEncrypt, sameEncryption, type Encryption } from './encryption.js';
import { lazyEnvelope, openEnvelope, readEnvelope, stateBytes, withDigest, type parseState, type StateEnvelope } from './envelope.js';
import { committedEntries, entryOfVersion } from './chain.js';
import { ENTRY_META, readEntry, readHeader } from './entry.js';
import { historyKey, parseVersionKey, stackKey, versionKey, versionsPrefix } from './keys.js';
import { baseOf, headerOf, readStateObject, splicedState, type Current, type Expect } from './layout.js';
import type { LockBackend, LockInfo } from './lock-backend.js';
import { isCasLost, isExpired, lockHeld, whoAmI } from './locks.js';
import { writeVersion, type WriteOptions } from './write.js';

export interface StackOptions {
  /** age identities, asked for only when an encrypted state must be read */
  identities?: () => Promise<string[]>;
}

/** What `stack.json` holds. */
export interface StackMeta {
  name: string;
  createdBy: string;
  created: string;
  /** `--encrypt` values the stack was created (or re-keyed) with */
  encryption?: string[];
}

export interface HistoryEntry {
  version: number;
  size: number;
  modified: string;
}

/**
 * One stack in a store: `stack.json` (created by init), `versions/` (each version, created
 * once: the commit), `state.json` (a marker since the versions layout; before it, the
 * current version or a pointer to it in `history/`), `lock.json`. The layouts and the write
 * protocol are in layout.ts and write.ts.
 */
export class Stack {
  private meta: Promise<{ meta: StackMeta; etag: string } | undefined> | undefined;

  constructor(
    readonly store: ObjectStore,
    readonly locks: LockBackend,
    readonly name: string,
    private readonly opts: StackOptions = {},
  ) {}

  /**
   * Creates the stack (false when it exists). The encryption is recorded in stack.json, so
   * later commands need no flag (as terraform's backend config); an existing stack with
   * another encryption is bad input: `rekey` changes it.
   */
  async init(encryption: Encryption = {}): Promise<boolean> {
    const list = encryptionList(encryption);
    const meta: StackMeta = { name: this.name, createdBy: whoAmI(), created: new Date().toISOString(), ...(list.length ? { encryption: list } : {}) };
    try {
      await this.store.put(stackKey(this.name, 'stack.json'), `${JSON.stringify({ apiVersion: API_VERSION, kind: 'Stack', ...meta }, null, 2)}\n`, { ifNoneMatch: '*' });
      this.meta = undefined;
      return true;
    } catch (err) {
      if (!isCasLost(err)) throw err;
    }
    const have = await this.encryption();
    if (!sameEncryption(have, encryption)) {
      throw badInput('--encrypt', `the stack's own encryption (${encryptionList(have).join(' ') || 'none'})`, list.join(' ') || 'none', {
        hint: `remote-state rekey --stack ${this.name} --encrypt ... changes it`,
      });
    }
    return false;
  }

  /** stack.json, read once per Stack (`fresh`: read again) */
  async metadata(fresh = false): Promise<{ meta: StackMeta; etag: string } | undefined> {
    if (fresh) this.meta = undefined;
    this.meta ??= this.store.get(stackKey(this.name, 'stack.json')).then((o) => o && { meta: JSON.parse(o.body.toString('utf8')) as StackMeta, etag: o.etag });
    return this.meta;
  }

  /** stack.json's encryption when this Stack has read it already (no request), else undefined */
  knownEncryption(): Promise<Encryption> | undefined {
    return this.meta && this.encryption();
  }

  /** How the stack encrypts its state (from stack.json). */
  async encryption(fresh = false): Promise<Encryption> {
    return parseEncrypt((await this.metadata(fresh))?.meta.encryption, `${this.store.url}/${this.name}/stack.json (encryption)`);
  }

  /** Records a new encryption in stack.json, compare-and-swap on the version read. */
  async setEncryption(next: Encryption): Promise<void> {
    const cur = await this.metadata();
    if (!cur) return this.mustExist();
    const { encryption: _old, ...rest } = cur.meta as StackMeta & Record<string, unknown>;
    const body = { ...rest, ...(encryptionList(next).length ? { encryption: encryptionList(next) } : {}) };
    await this.store.put(stackKey(this.name, 'stack.json'), `${JSON.stringify(body, null, 2)}\n`, { ifMatch: cur.etag });
    this.meta = undefined;
  }

  /** The envelope with its state readable (age decrypted with the identities given). */
  async open(env: StateEnvelope): Promise<StateEnvelope> {
    return openEnvelope(env, this.opts.identities ?? (async () => []), `${this.store.url}/${this.name} version ${env.version}`);
  }

  async exists(): Promise<boolean> {
    return (await this.metadata()) !== undefined;
  }

  /** NOT_FOUND naming the stack, when it was never initialised */
  async mustExist(): Promise<void> {
    if (!(await this.exists())) {
      throw new IwpError(ErrorCode.NOT_FOUND, `stack ${this.name} not found in ${this.store.url}`, {
        hint: `remote-state init --stack ${this.name}`,
        details: { stack: this.name, store: this.store.url },
      });
    }
  }

  /** The current version's metadata (`env` without the state, on S3): a listing of one key and that version's metadata. */
  async head(): Promise<Current | undefined> {
    const top = await this.newestKey();
    return top ? this.versionHead(top) : this.legacyHead();
  }

  /** The key of the newest version in `versions/` (the first one listed), if any. */
  private async newestKey(): Promise<string | undefined> {
    return (await this.store.list(versionsPrefix(this.name), { limit: 1 }))[0]?.key;
  }

  /** The version kept at `key` in `versions/`, with its state. */
  private async readVersion(key: string): Promise<Current | undefined> {
    const obj = await this.store.get(key);
    return obj && { env: readEntry(obj, `${this.store.url}/${key}`), etag: obj.etag, layout: 'versions', entry: key };
  }

  /** The metadata of the version kept at `key` in `versions/` (S3: a HEAD; a directory, or a header too long for S3: the whole object). */
  async versionHead(key: string): Promise<Current | undefined> {
    const where = `${this.store.url}/${key}`;
    const h = this.store.keepsMetadata ? await this.store.head(key) : undefined;
    const header = h?.metadata?.[ENTRY_META];
    if (h && header !== undefined) return { env: readHeader(header, where), etag: h.etag, layout: 'versions', entry: key };
    return this.readVersion(key);
  }

  /** The current version as state.json names it, in the layouts before versions (or the marker's, before any version was written there). */
  private async legacyHead(): Promise<Current | undefined> {
    const obj = await this.store.get(stackKey(this.name, 'state.json'));
    if (!obj) return undefined;
    const where = `${this.store.url}/${this.name}/state.json`;
    const s = readStateObject(obj.body, where);
    if (s.layout === 'envelope') return { env: s.env, etag: obj.etag, layout: 'envelope' };
    const p = s.layout === 'moved' ? s.marker : s.pointer;
    if (p.body === undefined) return undefined;
    if (!/^history\/[A-Za-z0-9_.-]+\.json$/.test(p.body)) throw new IwpError(ErrorCode.FAILED, `${where} names ${JSON.stringify(p.body)}, not a history entry`);
    return { env: headerOf({ ...(p as StatePointer), kind: 'StatePointer', body: p.body }), etag: obj.etag, layout: s.layout === 'moved' ? 'versions' : 'pointer', entry: stackKey(this.name, p.body) };
  }

  /** The current version with its state: a listing of one key and that version (before the versions layout: state.json, then the entry it names). */
  async current(): Promise<Current | undefined> {
    const top = await this.newestKey();
    if (top) {
      const cur = await this.readVersion(top);
      if (!cur) throw new IwpError(ErrorCode.FAILED, `${this.store.url}/${top} was listed and is gone`);
      return cur;
    }
    const head = await this.legacyHead();
    if (!head || head.layout === 'envelope') return head;
    const obj = await this.store.get(head.entry ?? historyKey(this.name, head.env.version));
    if (!obj) throw new IwpError(ErrorCode.FAILED, `${this.store.url}/${this.name}/state.json names version ${head.env.version}, whose history entry is missing`);
    const where = `${this.store.url}/${this.name} version ${head.env.version}`;
    if (obj.metadata?.[ENTRY_META] !== undefined) return { ...head, env: readEntry(obj, where) };
    // a plaintext JSON state is taken from the stored bytes as they are, its digest checked
    const spliced = head.env.encoding === 'json' && !head.env.encryption?.age && head.env.sha256 ? splicedState(obj.body, head.env.size, head.env.sha256) : undefined;
    if (spliced) return { ...head, env: lazyEnvelope(head.env, spliced) };
    const env = readEnvelope(obj.body, where);
    return { ...head, env: env.sha256 || !head.env.sha256 ? env : { ...env, sha256: head.env.sha256 } };
  }

  /** The current state, or a version from history; NOT_FOUND for an unknown stack or version. */
  async pull(version?: number): Promise<Current> {
    if (version !== undefined) {
      const kept = await this.store.get(versionKey(this.name, version));
      const key = kept ? undefined : await entryOfVersion(this, version);
      const obj = kept ?? (key && (await this.store.get(key)));
      if (obj) return { env: withDigest(readEntry(obj, `history ${version}`)), etag: obj.etag, layout: kept ? 'versions' : 'pointer' };
      await this.mustExist();
      throw new IwpError(ErrorCode.NOT_FOUND, `stack ${this.name} has no version ${version}`, { details: { stack: this.name, version } });
    }
    const cur = await this.current();
    if (cur) return cur;
    await this.mustExist();
    throw new IwpError(ErrorCode.NOT_FOUND, `stack ${this.name} has no state yet`, { hint: 'remote-state push FILE writes the first version', details: { stack: this.name } });
  }

  /** Refuses when someone else holds a live lock on the stack. */
  async checkLock(myLockId: string | undefined): Promise<LockInfo | undefined> {
    const held = await this.locks.read(this.name);
    if (held && held.info.id !== myLockId && !isExpired(held.info)) throw lockHeld(held.info);
    return held?.info;
  }

  /** Writes the next version (see write.ts): compare-and-swap on `expect`. */
  async push(parsed: ReturnType<typeof parseState>, expect: Expect, opts: WriteOptions = {}): Promise<Current> {
    return writeVersion(this, parsed, expect, opts);
  }

  /** Every version, oldest first: those in `versions/`, and those in `history/` from before that layout. */
  async history(): Promise<HistoryEntry[]> {
    const [kept, older] = await Promise.all([this.store.list(versionsPrefix(this.name)), committedEntries(this)]);
    const items = [...older, ...kept.flatMap((o) => { const version = parseVersionKey(o.key); return version === undefined ? [] : [{ ...o, version }]; })]
      .map((e) => ({ version: e.version, size: e.size, modified: e.modified }))
      .sort((a, b) => a.version - b.version);
    if (items.length === 0) await this.mustExist();
    return items;
  }

  /** A new version whose state equals version `to`. */
  async rollback(to: number, opts: { lockId?: string } = {}): Promise<Current> {
    const old = await this.open((await this.pull(to)).env);
    const parsed = { encoding: old.encoding, value: old.encoding === 'json' ? old.state : old.data, bytes: stateBytes(old) };
    return this.push(parsed, baseOf(await this.head()), opts);
  }
}
