import type { Readable } from 'node:stream';
import { ErrorCode, IwpError } from '../errors.js';

/** One object read from a store: its bytes and the ETag a conditional write compares against. */
export interface StoredObject {
  body: Buffer;
  etag: string;
  /** the object's user metadata (S3 `x-amz-meta-*`, names lower-case), when it has any */
  metadata?: Record<string, string>;
}

export interface ObjectHead {
  size: number;
  etag: string;
  modified: string;
  /** the object's user metadata, as `get` gives it (S3 only) */
  metadata?: Record<string, string>;
}

export interface ObjectEntry {
  key: string;
  size: number;
  modified: string;
}

/**
 * A write condition, as HTTP and S3 spell it: `ifNoneMatch: '*'` creates only when the key
 * is absent; `ifMatch: etag` replaces or deletes only the version read before.
 */
export interface Condition {
  ifMatch?: string;
  ifNoneMatch?: '*';
}

/** How an object is written: server-side encryption with a KMS key (S3 only: SSE-KMS). */
export interface WriteOptions {
  kmsKeyId?: string;
  /**
   * The SHA-256 (hex) of the body, when the caller has it: S3 gets it as the signed payload
   * hash and as `x-amz-checksum-sha256` (the store checks the upload against it), so the SDK
   * does not hash the body again. Ignored by `copy` and by the directory store.
   */
  contentSha256?: string;
  /**
   * User metadata stored with the object and returned by `get` (S3 `x-amz-meta-*`: names
   * lower-case, values US-ASCII, at most 2 KB in all). Only a store whose `keepsMetadata` is
   * true takes it; the directory store refuses it.
   */
  metadata?: Record<string, string>;
  /**
   * `put` only: the write is made ready now and takes effect once this is fulfilled. On S3
   * with `contentSha256` given, the request is sent now but for the body's last byte, which
   * goes then (S3 stores an object only when its whole body has come); without it, the
   * request is built and serialized now and signed and sent then. In a directory, it is
   * written to a temp file now and renamed into place then. Rejected: nothing is written (on
   * S3 the request is aborted before its last byte) and `put` rejects with its reason,
   * unchanged. A writer whose commit must follow another request overlaps the commit with it
   * this way.
   */
  after?: Promise<unknown>;
}

/** What `put` writes: bytes, a string (UTF-8), or bytes in pieces, written in order. */
export type PutBody = Buffer | string | readonly Buffer[];

/** A finished local file to store (putFile): its size and SHA-256 (hex) are known. */
export interface LocalFile {
  size: number;
  sha256: string;
  contentType?: string;
}

/**
 * A bucket prefix or a directory, as remote-state and cache-ctl use them. Every conditional
 * operation either happens atomically or throws a CAS_LOST IwpError (exit 3); an object is
 * never seen half-written (S3 puts are atomic; files are written to a temp name and renamed).
 */
export interface ObjectStore {
  /** `s3://bucket/prefix` or `file:///dir`, for documents and messages */
  readonly url: string;
  /** the endpoint requests go to, when not the store's default (S3-compatible stores) */
  readonly endpoint?: string;
  /** whether `put` stores user metadata with an object (S3) or not (a directory) */
  readonly keepsMetadata: boolean;
  get(key: string): Promise<StoredObject | undefined>;
  /** `body` in pieces is sent in order without joining them (a large body with a small tail) */
  put(key: string, body: PutBody, cond?: Condition, opts?: WriteOptions): Promise<{ etag: string }>;
  delete(key: string, cond?: Condition): Promise<void>;
  /**
   * Copies an object inside the store without sending its bytes again (S3 CopyObject);
   * CAS_LOST when the source's ETag is no longer `sourceEtag`.
   */
  copy(from: string, to: string, sourceEtag: string, opts?: WriteOptions): Promise<void>;
  /** size, ETag and time of an object, without its bytes */
  head(key: string): Promise<ObjectHead | undefined>;
  /** the object's bytes as a stream (for large objects) */
  getStream(key: string): Promise<Readable | undefined>;
  /** writes a stream of unknown length: S3 multipart upload for large bodies, temp file + rename on disk */
  putStream(key: string, body: Readable, opts?: { contentType?: string }): Promise<void>;
  /**
   * writes a finished local file whose size and sha256 (hex) are known: on S3 one PutObject
   * signed with that hash (nothing hashed again, the file re-read on a retry), multipart only
   * above S3's limit for one PUT; on disk a copy through a temp name
   */
  putFile(key: string, path: string, file: LocalFile): Promise<void>;
  /** every key under a prefix (relative to the store), in key order; with `limit`, only the first ones (one request on S3 for up to 1000) */
  list(prefix: string, opts?: { limit?: number }): Promise<ObjectEntry[]>;
  /** fails with NOT_FOUND (exit 4) when the bucket or directory does not exist */
  ensureReachable(): Promise<void>;
}

/** The error of a conditional write or delete whose condition no longer holds (exit 3). */
export function casLost(url: string, key: string): IwpError {
  return new IwpError(ErrorCode.CAS_LOST, `${url}/${key} changed since it was read (compare-and-swap lost)`, { details: { key } });
}
