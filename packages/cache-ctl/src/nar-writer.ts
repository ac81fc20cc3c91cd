import { closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';

/** Bytes handed on at once: the NAR is built in a buffer of this size and given away each time it fills. */
const STAGE = 1 << 20;
const SLASH = Buffer.from('/');

/**
 * The NAR of `path` (nix's archive format, as `nix-store --dump` writes it), given to `sink`
 * in chunks of up to 1 MiB. The chunk is a view of a buffer reused for the next one: the sink
 * uses it before it returns. Names are bytes, as on disk. Files are read straight into that buffer, so each byte is copied
 * once, from the page cache. Synchronous: it runs on a worker thread (nar-worker.ts).
 *
 * The format: strings are a 64-bit little-endian length, the bytes, then zeros up to a
 * multiple of 8. A node is `( type regular [executable ""] contents <bytes> )`, `( type
 * symlink target <target> )` or `( type directory entry ( name <name> node <node> ) … )`, with
 * the entries in the byte order of their names, the whole after the string `nix-archive-1`.
 * Only the owner's execute bit counts, as in nix.
 */
export function writeNar(path: string, sink: (chunk: Buffer) => void): void {
  if (busy) throw new Error('writeNar: called again from its own sink');
  busy = true;
  try {
    write(path, sink, (stage ??= Buffer.allocUnsafe(STAGE)));
  } finally {
    busy = false;
  }
}

/** The buffer writeNar builds NARs in, one a thread, reused from NAR to NAR (most are small). */
let stage: Buffer | undefined;
let busy = false;

function write(path: string, sink: (chunk: Buffer) => void, buf: Buffer): void {
  let at = 0;
  const flush = () => {
    if (at > 0) sink(buf.subarray(0, at));
    at = 0;
  };
  const bytes = (b: Uint8Array) => {
    for (let off = 0; off < b.length; ) {
      if (at === STAGE) flush();
      const n = Math.min(b.length - off, STAGE - at);
      buf.set(b.subarray(off, off + n), at);
      at += n;
      off += n;
    }
  };
  const u64 = (n: number) => {
    if (STAGE - at < 8) flush();
    buf.writeBigUInt64LE(BigInt(n), at);
    at += 8;
  };
  const pad = (n: number) => {
    const p = (8 - (n % 8)) % 8;
    if (p === 0) return;
    if (STAGE - at < p) flush();
    buf.fill(0, at, at + p);
    at += p;
  };
  const str = (s: string | Uint8Array) => {
    const b = typeof s === 'string' ? Buffer.from(s) : s;
    u64(b.length);
    bytes(b);
    pad(b.length);
  };
  const contents = (file: Buffer, size: number) => {
    u64(size);
    const fd = openSync(file, 'r');
    try {
      let left = size;
      while (left > 0) {
        if (at === STAGE) flush();
        const n = readSync(fd, buf, at, Math.min(STAGE - at, left), null);
        if (n === 0) throw new Error(`${file.toString()} ended ${left} bytes early: it changed while it was read`);
        at += n;
        left -= n;
      }
    } finally {
      closeSync(fd);
    }
    pad(size);
  };
  const node = (p: Buffer) => {
    const st = lstatSync(p);
    str('(');
    str('type');
    if (st.isFile()) {
      str('regular');
      if (st.mode & 0o100) {
        str('executable');
        str('');
      }
      str('contents');
      contents(p, st.size);
    } else if (st.isSymbolicLink()) {
      str('symlink');
      str('target');
      str(readlinkSync(p, { encoding: 'buffer' }));
    } else if (st.isDirectory()) {
      str('directory');
      const names = readdirSync(p, { encoding: 'buffer' }).sort(Buffer.compare);
      for (const name of names) {
        str('entry');
        str('(');
        str('name');
        str(name);
        str('node');
        node(Buffer.concat([p, SLASH, name]));
        str(')');
      }
    } else throw new Error(`${p.toString()} is neither a file, a directory nor a symlink: nix cannot archive it`);
    str(')');
  };
  str('nix-archive-1');
  node(Buffer.from(path));
  flush();
}
