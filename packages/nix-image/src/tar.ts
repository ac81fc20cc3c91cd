import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, readdir, readlink, rename, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
// the subpath, not the index: this module also runs in layer worker threads, which start faster without the rest of core
import { filterToFile, HashCounter } from '@iwp/core/hashing';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';

/** The fixed time of every entry (dockerTools uses the same): 1970-01-01T00:00:01Z. */
export const EPOCH = new Date(1000);

export interface LayerBlob {
  /** sha256 of the compressed blob */
  digest: string;
  /** sha256 of the uncompressed tar */
  diffId: string;
  size: number;
}

/** One entry of a layer, in the order written. */
export type Entry =
  | { type: 'directory'; name: string; mode: number }
  | { type: 'symlink'; name: string; target: string }
  | { type: 'file'; name: string; mode: number; size: number; source: string }
  | { type: 'text'; name: string; mode: number; text: string };

const base = { uid: 0, gid: 0, uname: '', gname: '', mtime: EPOCH } as const;

function header(e: Entry): Partial<Header> & { name: string } {
  switch (e.type) {
    case 'directory': return { ...base, name: e.name, type: 'directory', mode: e.mode };
    case 'symlink': return { ...base, name: e.name, type: 'symlink', linkname: e.target, mode: 0o777 };
    case 'file': return { ...base, name: e.name, type: 'file', mode: e.mode, size: e.size };
    case 'text': return { ...base, name: e.name, type: 'file', mode: e.mode, size: Buffer.byteLength(e.text) };
  }
}

/** Entries of a file tree in sorted order (by name, bytewise), parents before children. */
export async function* walk(fsPath: string, tarName: string): AsyncGenerator<Entry> {
  const st = await lstat(fsPath);
  if (st.isSymbolicLink()) {
    yield { type: 'symlink', name: tarName, target: await readlink(fsPath) };
  } else if (st.isDirectory()) {
    yield { type: 'directory', name: tarName, mode: st.mode & 0o7777 };
    const names = (await readdir(fsPath)).sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b))));
    for (const n of names) yield* walk(posix.join(fsPath, n), posix.join(tarName, n));
  } else if (st.isFile()) {
    yield { type: 'file', name: tarName, mode: st.mode & 0o7777, size: st.size, source: fsPath };
  }
}

async function writeEntries(p: Pack, entries: AsyncIterable<Entry> | Iterable<Entry>): Promise<void> {
  for await (const e of entries) {
    if (e.type === 'file') {
      await new Promise<void>((resolve, reject) => {
        const sink = p.entry(header(e), (err) => (err ? reject(err) : resolve()));
        createReadStream(e.source, { highWaterMark: 1 << 20 }).on('error', reject).pipe(sink);
      });
    } else if (e.type === 'text') {
      await new Promise<void>((resolve, reject) => p.entry(header(e), e.text, (err) => (err ? reject(err) : resolve())));
    } else {
      await new Promise<void>((resolve, reject) => p.entry(header(e), (err) => (err ? reject(err) : resolve())));
    }
  }
  p.finalize();
}

/**
 * Writes a gzip-compressed, reproducible tar of `entries` to `dest` (through a temp name),
 * hashing the tar and the blob on the way: uid/gid 0, no user names, fixed mtime, entries
 * in the order given. Node's zlib writes a gzip header without a time, so equal input gives
 * equal bytes.
 */
export async function writeLayer(dest: string, entries: AsyncIterable<Entry> | Iterable<Entry>, compression: 'gzip' | 'zstd' = 'gzip'): Promise<LayerBlob> {
  const p = tarPack();
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    let blob: LayerBlob;
    if (compression === 'zstd') {
      // the system's zstd, single-threaded (the same bytes on every machine): the tar is hashed
      // on its way in, zstd's stdout is the blob file, hashed as it grows (core's filterToFile);
      // a streamx Readable is async-iterable like node's, which its types do not say
      await rm(tmp, { force: true });
      const z = ['zstd', '-q', '-3', '--single-thread', '-c'];
      const [, h] = await Promise.all([writeEntries(p, entries).catch((err) => p.destroy(err)), filterToFile(p as unknown as AsyncIterable<Buffer>, z, tmp)]);
      blob = { digest: `sha256:${h.output}`, diffId: `sha256:${h.input}`, size: h.size };
    } else {
      const diff = new HashCounter();
      const out = new HashCounter();
      await Promise.all([
        writeEntries(p, entries).catch((err) => p.destroy(err)),
        pipeline(p, diff, createGzip({ level: 6 }), out, new PassThrough(), createWriteStream(tmp)),
      ]);
      blob = { digest: `sha256:${out.digest().toString('hex')}`, diffId: `sha256:${diff.digest().toString('hex')}`, size: out.bytes };
    }
    await rename(tmp, dest);
    return blob;
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Entries for store paths: `nix/`, `nix/store/`, then each path's tree. */
export async function* storeEntries(paths: string[]): AsyncGenerator<Entry> {
  yield { type: 'directory', name: 'nix', mode: 0o755 };
  yield { type: 'directory', name: 'nix/store', mode: 0o755 };
  for (const sp of [...paths].sort()) yield* walk(sp, sp.slice(1));
}
