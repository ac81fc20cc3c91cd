import { randomUUID } from 'node:crypto';
import { API_VERSION, badInput, doc, ErrorCode, IwpError, type ObjectStore, type StateInfo } from '@iwp/core';
import { encryptionList, parseEncrypt, sameEncryption, type Encryption } from './encryption.js';
import { makeEnvelope, openEnvelope, readEnvelope, sealEnvelope, stateBytes, type parseState, type StateEnvelope } from './envelope.js';
import { historyKey, stackKey, versionOfHistoryKey } from './keys.js';
import type { LockBackend, LockInfo } from './lock-backend.js';
import { isCasLost, isExpired, lockHeld, whoAmI } from './locks.js';

/** The version a push replaces: what was pulled (`etag` null: no state yet), or `force`. */
export type Expect = { version: number | null; etag: string | null } | 'force';

export interface Current {
  env: StateEnvelope;
  etag: string;
}

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
 * One stack in a store: `stack.json` (created by init), `state.json` (current),
 * `history/<version>.json` (every accepted write), `lock.json`. A push is a
 * compare-and-swap of `state.json` on the ETag it was based on, then a create-only write of
 * its history entry; a lost race is CAS_LOST (exit 3) and nothing is written.
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
    const meta: StackMeta = { name: this.name, createdBy: whoAmI(), created: new Date().toISOString(), ...(encryptionList(encryption).length ? { encryption: encryptionList(encryption) } : {}) };
    try {
      await this.store.put(stackKey(this.name, 'stack.json'), `${JSON.stringify({ apiVersion: API_VERSION, kind: 'Stack', ...meta }, null, 2)}\n`, { ifNoneMatch: '*' });
      this.meta = undefined;
      return true;
    } catch (err) {
      if (!isCasLost(err)) throw err;
    }
    const have = await this.encryption();
    if (!sameEncryption(have, encryption)) {
      throw badInput('--encrypt', `the stack's own encryption (${encryptionList(have).join(' ') || 'none'})`, encryptionList(encryption).join(' ') || 'none', {
        hint: `remote-state rekey --stack ${this.name} --encrypt ... changes it`,
      });
    }
    return false;
  }

  /** stack.json, read once per Stack */
  async metadata(): Promise<{ meta: StackMeta; etag: string } | undefined> {
    this.meta ??= this.store.get(stackKey(this.name, 'stack.json')).then((o) => o && { meta: JSON.parse(o.body.toString('utf8')) as StackMeta, etag: o.etag });
    return this.meta;
  }

  /** How the stack encrypts its state (from stack.json). */
  async encryption(): Promise<Encryption> {
    return parseEncrypt((await this.metadata())?.meta.encryption, `${this.store.url}/${this.name}/stack.json (encryption)`);
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

  async current(): Promise<Current | undefined> {
    const obj = await this.store.get(stackKey(this.name, 'state.json'));
    return obj && { env: readEnvelope(obj.body, `${this.store.url}/${this.name}/state.json`), etag: obj.etag };
  }

  /** The current state, or a version from history; NOT_FOUND for an unknown stack or version. */
  async pull(version?: number): Promise<Current> {
    if (version !== undefined) {
      const obj = await this.store.get(historyKey(this.name, version));
      if (obj) return { env: readEnvelope(obj.body, `history ${version}`), etag: obj.etag };
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

  /**
   * `writeId` marks the version written (a caller records it before the write, so a run
   * after a crash can tell its own landed write: `earlierWriteId`) from anyone else's.
   */
  async push(parsed: ReturnType<typeof parseState>, expect: Expect, opts: { lockId?: string; writeId?: string; earlierWriteId?: string } = {}): Promise<Current> {
    // the reads a write depends on (lock, stack.json, the replaced version's history entry)
    // go out together: one round trip, not three; nothing is written before they all answer
    const historyOf = (e: Expect) => (e !== 'force' && e.etag !== null && e.version !== null ? this.store.head(historyKey(this.name, e.version)) : undefined);
    const [, enc, cur, had] = await Promise.all([this.checkLock(opts.lockId), this.encryption(), expect === 'force' ? this.current() : undefined, historyOf(expect)]);
    const b = expect === 'force' ? (cur ? { version: cur.env.version, etag: cur.etag } : { version: null, etag: null }) : expect;
    const haveHistory = expect === 'force' ? await historyOf(b) : had;
    if (b.etag === null) await this.mustExist();
    const env = await sealEnvelope({ ...makeEnvelope(this.name, (b.version ?? 0) + 1, whoAmI(), parsed), writeId: opts.writeId ?? randomUUID() }, enc);
    const body = `${JSON.stringify(env)}\n`;
    const sse = enc.kmsKeyId ? { kmsKeyId: enc.kmsKeyId } : {};
    if (b.etag !== null && b.version !== null && !haveHistory) await this.healHistory(b.version, b.etag, sse);
    let etag: string;
    try {
      etag = (await this.store.put(stackKey(this.name, 'state.json'), body, b.etag === null ? { ifNoneMatch: '*' } : { ifMatch: b.etag }, sse)).etag;
    } catch (err) {
      // a write whose answer was lost and retried meets its own success as a 412: ours if the bytes are
      const mine = isCasLost(err) ? await this.store.get(stackKey(this.name, 'state.json')) : undefined;
      if (mine?.body.toString('utf8') === body) {
        etag = mine.etag;
      } else if (isCasLost(err) && mine && opts.earlierWriteId && readEnvelope(mine.body, 'state.json').writeId === opts.earlierWriteId) {
        // a push run again after it was killed once its write had landed: that write (its
        // id recorded before it was sent) is the current state; complete its history
        const cur = { env: readEnvelope(mine.body, `${this.store.url}/${this.name}/state.json`), etag: mine.etag };
        await this.healHistory(cur.env.version, cur.etag, sse);
        return cur;
      } else if (isCasLost(err)) {
        throw new IwpError(ErrorCode.CAS_LOST, `stack ${this.name} changed since version ${b.version ?? 'none'} was pulled: pull, merge and push again`, {
          hint: 'remote-state pull gives the current version; --force overwrites it',
          details: { stack: this.name, expectedVersion: b.version },
        });
      } else {
        throw err;
      }
    }
    await this.writeHistory(env.version, body, etag, sse);
    return { env, etag };
  }

  /**
   * The history entry of a version just written: a server-side copy of exactly those bytes
   * (not sent twice), else, when the next version already replaced them, our own bytes
   * (create-only). A retry (or a push run again after a crash) writes the same bytes again.
   */
  private async writeHistory(version: number, body: string, etag: string, sse: { kmsKeyId?: string }): Promise<void> {
    try {
      await this.store.copy(stackKey(this.name, 'state.json'), historyKey(this.name, version), etag, sse);
    } catch (err) {
      if (!isCasLost(err)) throw err;
      await this.store.put(historyKey(this.name, version), body, { ifNoneMatch: '*' }, sse).catch((e: unknown) => {
        if (!isCasLost(e)) throw e;
      });
    }
  }

  /**
   * Repairs what a push killed between its state write and its history copy left: the
   * current version without a history entry. Runs before each write, so the next command
   * converges.
   */
  private async healHistory(version: number, etag: string, sse: { kmsKeyId?: string }): Promise<void> {
    if (await this.store.head(historyKey(this.name, version))) return;
    const obj = await this.store.get(stackKey(this.name, 'state.json'));
    if (obj?.etag === etag) await this.writeHistory(version, obj.body.toString('utf8'), obj.etag, sse);
  }

  async history(): Promise<HistoryEntry[]> {
    const items = (await this.store.list(`${this.name}/history/`)).flatMap((o) => {
      const version = versionOfHistoryKey(o.key);
      return version === undefined ? [] : [{ version, size: o.size, modified: o.modified }];
    });
    if (items.length === 0) await this.mustExist();
    return items;
  }

  /** A new version whose state equals version `to`. */
  async rollback(to: number, opts: { lockId?: string } = {}): Promise<Current> {
    const old = { env: await this.open((await this.pull(to)).env) };
    const cur = await this.current();
    const parsed = { encoding: old.env.encoding, value: old.env.encoding === 'json' ? old.env.state : old.env.data, bytes: stateBytes(old.env) };
    return this.push(parsed, cur ? { version: cur.env.version, etag: cur.etag } : { version: null, etag: null }, opts);
  }

  async info(): Promise<StateInfo> {
    const cur = await this.current();
    if (!cur) await this.mustExist();
    const lock = await this.locks.read(this.name);
    return stateInfo(this, cur, lock?.info);
  }
}

export function stateInfo(stack: Stack, cur: Current | undefined, lock: LockInfo | undefined): StateInfo {
  return doc('StateInfo', {
    stack: stack.name,
    store: stack.store.url,
    version: cur?.env.version ?? null,
    ...(cur
      ? { etag: cur.etag, updatedBy: cur.env.updatedBy, updatedAt: cur.env.updatedAt, sha256: cur.env.sha256, size: cur.env.size, encoding: cur.env.encoding }
      : {}),
    ...(cur?.env.encryption ? { encryption: encryptionList({ ...(cur.env.encryption.kms ? { kmsKeyId: cur.env.encryption.kms } : {}), ...(cur.env.encryption.age ? { age: cur.env.encryption.age } : {}) }) } : {}),
    lock: lock ? { ...lock, expired: isExpired(lock) } : null,
  });
}
