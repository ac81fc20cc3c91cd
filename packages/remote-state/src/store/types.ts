/** One object read from a store: its bytes and the ETag a conditional write compares against. */
export interface StoredObject {
  body: Buffer;
  etag: string;
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

/**
 * The few operations remote-state needs from a store. Every conditional operation either
 * happens atomically or throws a CAS_LOST IwpError (exit 3); nothing is half-written.
 */
export interface ObjectStore {
  /** `s3://bucket/prefix` or `file:///dir`, for documents and messages */
  readonly url: string;
  /** the endpoint requests go to, when not the store's default (S3-compatible stores) */
  readonly endpoint?: string;
  get(key: string): Promise<StoredObject | undefined>;
  put(key: string, body: Buffer | string, cond?: Condition): Promise<{ etag: string }>;
  delete(key: string, cond?: Condition): Promise<void>;
  /** every key under a prefix (relative to the store), in key order */
  list(prefix: string): Promise<ObjectEntry[]>;
  /** fails with NOT_FOUND (exit 4) when the bucket or directory does not exist */
  ensureReachable(): Promise<void>;
}
