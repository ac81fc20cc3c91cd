import { createReadStream } from 'node:fs';
import { ErrorCode, IwpError } from '@iwp/core';
import type { RegistryClient } from './client.js';
import type { RequestBody } from './http.js';

/** A blob to upload: from a file (streamed in ranges) or from memory. */
export interface BlobUpload {
  repo: string;
  digest: string;
  size: number;
  source: string | Buffer;
  /** blobs larger than this go up in PATCH chunks of this size */
  chunk: number;
}

/** `location` with the blob's digest added, for the PUT that closes a session. */
function withDigest(c: RegistryClient, location: string, digest: string): string {
  return `${c.relative(location)}${location.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}

/**
 * One upload session of the distribution API: POST a session, then one PUT of the whole blob,
 * or PATCH chunks and a closing PUT. Requests are not retried here: a session whose body was
 * cut off cannot be resumed, so the caller retries the whole session.
 */
export async function uploadSession(c: RegistryClient, b: BlobUpload): Promise<void> {
  const scope = c.scope(b.repo, true);
  const start = await c.request({ method: 'POST', path: `/v2/${b.repo}/blobs/uploads/`, scope });
  await start.discard();
  let loc = start.header('location');
  if (!loc) throw new IwpError(ErrorCode.HTTP_ERROR, `${c.registry}: upload session without a Location`);
  const { source } = b;
  const stream = (s: number, e: number): RequestBody => typeof source === 'string'
    ? () => createReadStream(source, { start: s, end: e - 1, highWaterMark: 1024 * 1024 })
    : source.subarray(s, e);
  if (b.size <= b.chunk) {
    const res = await c.request({
      method: 'PUT', path: withDigest(c, loc, b.digest), scope, retries: 0,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.size) },
      body: b.size ? stream(0, b.size) : new Uint8Array(0),
    });
    await res.discard();
    return;
  }
  for (let off = 0; off < b.size; off += b.chunk) {
    const end = Math.min(b.size, off + b.chunk);
    const res = await c.request({
      method: 'PATCH', path: c.relative(loc), scope, retries: 0,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - off), 'content-range': `${off}-${end - 1}` },
      body: stream(off, end),
    });
    await res.discard();
    loc = res.header('location') ?? loc;
  }
  const res = await c.request({ method: 'PUT', path: withDigest(c, loc, b.digest), scope, retries: 0, headers: { 'content-length': '0' } });
  await res.discard();
}
