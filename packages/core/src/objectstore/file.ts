import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { constants, copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { dirname, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { badInput, ErrorCode, IwpError } from '../errors.js';
import { casLost, type PutBody, type Condition, type ObjectEntry, type ObjectHead, type ObjectStore, type StoredObject, type WriteOptions } from './types.js';

const MUTEX_STALE_MS = 30_000;

/**
 * A directory on one machine (`file:///dir`). Creation is a hard link of a fully written
 * temp file (atomic, fails if the name exists, like O_EXCL); a conditional replace or
 * delete holds a short per-key mutex file created with O_EXCL while it compares the ETag
 * (the SHA-256 of the content) and renames.
 */
export class FileStore implements ObjectStore {
  readonly url: string;
  readonly keepsMetadata = false;

  constructor(private readonly dir: string) {
    this.url = `file://${dir}`;
  }

  private path(key: string): string {
    return join(this.dir, ...key.split('/'));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    const body = await readFile(this.path(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    return body && { body, etag: etagOf(body) };
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    const s = await stat(this.path(key)).catch(() => undefined);
    if (!s?.isFile()) return undefined;
    // the ETag of a file is its content hash: read it only for small files (locks, narinfos)
    const etag = s.size <= 1024 * 1024 ? etagOf(await readFile(this.path(key))) : `"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}"`;
    return { size: s.size, etag, modified: s.mtime.toISOString() };
  }

  async getStream(key: string): Promise<Readable | undefined> {
    const path = this.path(key);
    const s = await stat(path).catch(() => undefined);
    return s?.isFile() ? createReadStream(path) : undefined;
  }

  async putStream(key: string, body: Readable): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx' }));
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async putFile(key: string, src: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await copyFile(src, tmp, constants.COPYFILE_EXCL);
      await rename(tmp, path);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async put(key: string, body: PutBody, cond: Condition = {}, opts: WriteOptions = {}): Promise<{ etag: string }> {
    if (opts.kmsKeyId) throw badInput('--encrypt', 'kms: only on an s3:// store', this.url);
    if (opts.metadata) throw new Error(`${this.url}: a directory store keeps no object metadata (see keepsMetadata)`);
    opts.after?.catch(() => undefined); // its rejection is this put's, reported when it is awaited
    const path = this.path(key);
    const data = typeof body === 'string' ? [Buffer.from(body)] : Array.isArray(body) ? (body as readonly Buffer[]) : [body as Buffer];
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const fh = await open(tmp, 'wx', 0o644);
    try {
      for (const piece of data) await fh.writeFile(piece); // each from where the last ended
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await opts.after;
      if (cond.ifNoneMatch) {
        await link(tmp, path).catch((err: NodeJS.ErrnoException) => {
          throw err.code === 'EEXIST' ? casLost(this.url, key) : err;
        });
      } else if (cond.ifMatch) {
        await this.withMutex(path, async () => {
          await this.expect(key, cond.ifMatch!);
          await rename(tmp, path);
        });
      } else {
        await rename(tmp, path);
      }
    } finally {
      await rm(tmp, { force: true });
    }
    return { etag: etagOf(data) };
  }

  async delete(key: string, cond: Condition = {}): Promise<void> {
    const path = this.path(key);
    if (!cond.ifMatch) return void (await rm(path, { force: true }));
    await this.withMutex(path, async () => {
      await this.expect(key, cond.ifMatch!);
      await unlink(path);
    });
  }

  async copy(from: string, to: string, sourceEtag: string, opts: WriteOptions = {}): Promise<void> {
    const src = await this.get(from);
    if (!src || src.etag !== sourceEtag) throw casLost(this.url, from);
    await this.put(to, src.body, {}, opts);
  }

  async list(prefix: string, opts: { limit?: number } = {}): Promise<ObjectEntry[]> {
    const out: ObjectEntry[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const p = join(dir, e.name);
        // names ending .tmp are writes in progress, files and directories (a push's temp cache)
        if (e.isDirectory() && !e.name.endsWith('.tmp')) await walk(p);
        else if (e.isFile() && !e.name.endsWith('.tmp') && !e.name.endsWith('.mutex')) {
          const key = relative(this.dir, p).split('/').join('/');
          if (!key.startsWith(prefix)) continue;
          const s = await stat(p).catch(() => undefined);
          if (s) out.push({ key, size: s.size, modified: s.mtime.toISOString() });
        }
      }
    };
    // from the deepest directory the prefix names: a stack's versions, not the whole store
    const cut = prefix.lastIndexOf('/');
    await walk(cut > 0 ? this.path(prefix.slice(0, cut)) : this.dir);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, opts.limit);
  }

  async ensureReachable(): Promise<void> {
    const s = await stat(this.dir).catch(() => undefined);
    if (!s?.isDirectory()) throw new IwpError(ErrorCode.NOT_FOUND, `${this.url}: directory not found`, { hint: `mkdir -p ${this.dir}` });
  }

  private async expect(key: string, etag: string): Promise<void> {
    const cur = await this.get(key);
    if (!cur || cur.etag !== etag) throw casLost(this.url, key);
  }

  private async withMutex<T>(path: string, fn: () => Promise<T>): Promise<T> {
    const mutex = `${path}.mutex`;
    for (let attempt = 0; ; attempt++) {
      try {
        const fh = await open(mutex, 'wx');
        await fh.close();
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const s = await stat(mutex).catch(() => undefined);
        if (s && Date.now() - s.mtimeMs > MUTEX_STALE_MS) await rm(mutex, { force: true });
        await sleep(Math.min(2 + attempt, 20));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(mutex, { force: true });
    }
  }
}

export function etagOf(body: Buffer | readonly Buffer[]): string {
  const hash = createHash('sha256');
  for (const piece of Buffer.isBuffer(body) ? [body] : body) hash.update(piece);
  return `"${hash.digest('hex').slice(0, 32)}"`;
}
