import { pipeline } from 'node:stream/promises';
import pMap from 'p-map';
import type { BinaryCache } from './cache.js';
import { decompressor, parseCompression } from './compression.js';
import { HashCounter } from '@iwp/core';
import { verifyFingerprint, type PublicKey } from './keys.js';
import { fingerprint, parseNarInfo, type NarInfo } from './narinfo.js';
import { toNix32 } from './nix32.js';
import { discard } from './push.js';

export interface Problem {
  storePath: string;
  hash: string;
  problem: string;
}

/**
 * Checks one narinfo: a signature by a trusted key over its fingerprint, then its NAR:
 * present, FileHash/FileSize of the stored bytes, NarHash/NarSize after decompression.
 */
export async function verifyEntry(cache: BinaryCache, hash: string, keys: PublicKey[]): Promise<Problem | undefined> {
  let n: NarInfo;
  const obj = await cache.store.get(`${hash}.narinfo`);
  if (!obj) return { storePath: hash, hash, problem: 'narinfo disappeared' };
  try {
    n = parseNarInfo(obj.body.toString('utf8'), `${hash}.narinfo`);
  } catch (err) {
    return { storePath: hash, hash, problem: `unreadable narinfo: ${(err as Error).message}` };
  }
  const bad = (problem: string) => ({ storePath: n.storePath, hash, problem });
  if (keys.length && !verifyFingerprint(keys, fingerprint(n), n.sigs)) {
    return bad(n.sigs.length ? `no valid signature by a trusted key (${n.sigs.map((s) => s.split(':')[0]).join(', ')})` : 'unsigned');
  }
  const body = await cache.store.getStream(n.url);
  if (!body) return bad(`NAR ${n.url} is missing`);
  const file = new HashCounter();
  const nar = new HashCounter();
  try {
    const c = decompressor(parseCompression(n.compression, 'Compression'));
    await Promise.all([pipeline(body, file, c.input), pipeline(c.output, nar, discard()), c.done]);
  } catch (err) {
    return bad(`NAR ${n.url} does not decompress (${n.compression}): ${(err as Error).message.split('\n')[0]}`);
  }
  if (n.fileHash && n.fileHash !== `sha256:${toNix32(file.digest())}`) return bad(`FileHash mismatch for ${n.url}`);
  if (n.fileSize !== undefined && n.fileSize !== file.bytes) return bad(`FileSize ${n.fileSize} but ${file.bytes} bytes stored`);
  if (n.narHash !== `sha256:${toNix32(nar.digest())}`) return bad(`NarHash mismatch: the NAR hashes to sha256:${toNix32(nar.digest())}`);
  if (n.narSize !== nar.bytes) return bad(`NarSize ${n.narSize} but the NAR has ${nar.bytes} bytes`);
  return undefined;
}

export async function verifyCache(cache: BinaryCache, keys: PublicKey[], jobs = 8): Promise<{ checked: number; problems: Problem[] }> {
  const hashes = [...(await cache.listNarInfos()).keys()];
  const results = await pMap(hashes, (h) => verifyEntry(cache, h, keys), { concurrency: jobs });
  return { checked: hashes.length, problems: results.filter((p): p is Problem => p !== undefined) };
}
