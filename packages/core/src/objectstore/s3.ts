import type { S3Client } from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { IwpError } from '../errors.js';
import { isTransient, withRetry } from '../retry.js';
import { s3Endpoint, s3Key, type S3Location } from '../aws.js';
import { awsSdk, type AwsSdk } from '../aws-sdk.js';
import { s3ErrorName, translateS3Error } from './s3-errors.js';
import { base64Sha256, heldBody, quietOnAbort, sentAfter, signedWithHash, uploadFile, uploadStream } from './s3-upload.js';
import { casLost, type Condition, type ObjectEntry, type ObjectHead, type PutBody, type LocalFile, type ObjectStore, type StoredObject, type WriteOptions } from './types.js';

type S3 = AwsSdk['@aws-sdk/client-s3'];
const sdk = (): S3 => awsSdk('@aws-sdk/client-s3');

/**
 * An S3 (or S3-compatible) bucket prefix. Conditional writes use `If-None-Match: *` and
 * `If-Match: <etag>` on PutObject and DeleteObject; a 412 PreconditionFailed or a 409
 * ConditionalRequestConflict (S3's answer to two concurrent conditional writes) is a lost race.
 */
export class S3Store implements ObjectStore {
  readonly url: string;
  readonly endpoint: string | undefined;
  readonly keepsMetadata = true;

  private client: S3Client | undefined;
  private readonly makeClient: (() => S3Client) | undefined;

  /**
   * `client`: an S3 client, or what makes one on the first request (openStore: a command
   * that opens a store loads the AWS SDK, ~30 ms here, when it first talks to it, after
   * whatever it starts before that, not when it reads its flags).
   */
  constructor(
    client: S3Client | (() => S3Client),
    private readonly loc: S3Location,
  ) {
    this.url = `s3://${loc.bucket}${loc.prefix ? `/${loc.prefix}` : ''}`;
    this.endpoint = s3Endpoint(loc.endpoint);
    if (typeof client === 'function') this.makeClient = client;
    else this.client = client;
  }

  private get s3(): S3Client {
    this.client ??= this.makeClient!();
    return this.client;
  }

  private key(rel: string): string {
    return s3Key(this.loc, rel);
  }

  async get(rel: string): Promise<StoredObject | undefined> {
    try {
      // the SDK retries the request, not a body cut off while it is read: read it again
      return await withRetry(async () => {
        const out = await this.s3.send(new (sdk().GetObjectCommand)({ Bucket: this.loc.bucket, Key: this.key(rel) }));
        const body = Buffer.from(await out.Body!.transformToByteArray());
        const meta = out.Metadata && Object.keys(out.Metadata).length ? { metadata: out.Metadata } : {};
        return { body, etag: out.ETag ?? '', ...meta };
      }, { shouldRetry: (err) => s3ErrorName(err) !== 'NoSuchKey' && isTransient(err) });
    } catch (err) {
      if (s3ErrorName(err) === 'NoSuchKey') return undefined;
      throw this.translate(err, rel);
    }
  }

  async head(rel: string): Promise<ObjectHead | undefined> {
    try {
      const out = await this.s3.send(new (sdk().HeadObjectCommand)({ Bucket: this.loc.bucket, Key: this.key(rel) }));
      const meta = out.Metadata && Object.keys(out.Metadata).length ? { metadata: out.Metadata } : {};
      return { size: out.ContentLength ?? 0, etag: out.ETag ?? '', modified: (out.LastModified ?? new Date(0)).toISOString(), ...meta };
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (s3ErrorName(err) === 'NotFound' || s3ErrorName(err) === 'NoSuchKey' || status === 404) {
        if (s3ErrorName(err) === 'NoSuchBucket') throw this.translate(err, rel);
        return undefined;
      }
      throw this.translate(err, rel);
    }
  }

  async getStream(rel: string): Promise<Readable | undefined> {
    try {
      const out = await this.s3.send(new (sdk().GetObjectCommand)({ Bucket: this.loc.bucket, Key: this.key(rel) }));
      return out.Body as Readable;
    } catch (err) {
      if (s3ErrorName(err) === 'NoSuchKey') return undefined;
      throw this.translate(err, rel);
    }
  }

  async putStream(rel: string, body: Readable, opts: { contentType?: string } = {}): Promise<void> {
    try {
      await uploadStream(this.s3, this.loc.bucket, this.key(rel), body, opts.contentType);
    } catch (err) {
      throw this.translate(err, rel);
    }
  }

  async putFile(rel: string, path: string, file: LocalFile): Promise<void> {
    try {
      await uploadFile(this.s3, this.loc.bucket, this.key(rel), path, file);
    } catch (err) {
      throw this.translate(err, rel);
    }
  }

  async put(rel: string, body: PutBody, cond: Condition = {}, opts: WriteOptions = {}): Promise<{ etag: string }> {
    // pieces go out as a stream, which the SDK does not send again: retried here, each
    // attempt with a fresh stream of the same pieces
    const pieces = Array.isArray(body);
    const after = opts.after;
    let refused = false;
    after?.catch(() => (refused = true)); // its rejection is this put's, reported when it is awaited
    // signed with a known hash, the body goes now but for its last byte (heldBody)
    const holds = after !== undefined && opts.contentSha256 !== undefined;
    const send = async (): Promise<{ etag: string }> => {
      const held = holds ? heldBody(typeof body === 'string' ? Buffer.from(body) : body, after) : undefined;
      const command = new (sdk().PutObjectCommand)({
        Bucket: this.loc.bucket,
        Key: this.key(rel),
        ...(held ? { Body: held.Body, ContentLength: held.ContentLength } : bodyParams(body)),
        ContentType: 'application/json',
        ...(cond.ifMatch ? { IfMatch: cond.ifMatch } : {}),
        ...(cond.ifNoneMatch ? { IfNoneMatch: cond.ifNoneMatch } : {}),
        ...(opts.contentSha256 ? { ChecksumSHA256: base64Sha256(opts.contentSha256) } : {}),
        ...sse(opts),
        ...(opts.metadata ? { Metadata: opts.metadata } : {}),
      });
      if (opts.contentSha256) signedWithHash(command, opts.contentSha256);
      if (held) quietOnAbort(command);
      else if (after) sentAfter(command, after);
      const out = await this.s3.send(command, held ? { abortSignal: held.signal } : {});
      return { etag: out.ETag ?? '' };
    };
    try {
      // a stream body is not sent again by the SDK: each attempt here makes a fresh one
      return await (pieces || holds ? withRetry(send, { shouldRetry: (err) => !refused && isTransient(err) }) : send());
    } catch (err) {
      // `after` rejected: nothing was written, and its reason is this put's
      if (after) await after;
      throw this.translate(err, rel);
    }
  }

  async delete(rel: string, cond: Condition = {}): Promise<void> {
    try {
      await this.s3.send(
        new (sdk().DeleteObjectCommand)({ Bucket: this.loc.bucket, Key: this.key(rel), ...(cond.ifMatch ? { IfMatch: cond.ifMatch } : {}) }),
      );
    } catch (err) {
      // a conditional delete of a key that is gone: it changed since it was read
      if (cond.ifMatch && s3ErrorName(err) === 'NoSuchKey') throw casLost(this.url, rel);
      throw this.translate(err, rel);
    }
  }

  async copy(from: string, to: string, sourceEtag: string, opts: WriteOptions = {}): Promise<void> {
    try {
      await this.s3.send(
        new (sdk().CopyObjectCommand)({
          Bucket: this.loc.bucket,
          Key: this.key(to),
          CopySource: `${this.loc.bucket}/${this.key(from).split('/').map(encodeURIComponent).join('/')}`,
          CopySourceIfMatch: sourceEtag,
          // a copy is not encrypted like its source unless asked again
          ...sse(opts),
        }),
      );
    } catch (err) {
      throw this.translate(err, from);
    }
  }

  async list(prefix: string, opts: { limit?: number } = {}): Promise<ObjectEntry[]> {
    const out: ObjectEntry[] = [];
    const limit = opts.limit ?? Infinity;
    const base = this.loc.prefix ? `${this.loc.prefix}/` : '';
    let token: string | undefined;
    try {
      do {
        const page = await this.s3.send(
          new (sdk().ListObjectsV2Command)({ Bucket: this.loc.bucket, Prefix: base + prefix, ContinuationToken: token, ...(limit < 1000 ? { MaxKeys: limit - out.length } : {}) }),
        );
        for (const o of page.Contents ?? []) {
          out.push({ key: o.Key!.slice(base.length), size: o.Size ?? 0, modified: (o.LastModified ?? new Date(0)).toISOString() });
        }
        token = page.IsTruncated && out.length < limit ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw this.translate(err, prefix);
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).slice(0, limit);
  }

  async ensureReachable(): Promise<void> {
    try {
      await this.s3.send(new (sdk().HeadBucketCommand)({ Bucket: this.loc.bucket }));
    } catch (err) {
      throw this.translate(err, '');
    }
  }

  private translate(err: unknown, rel: string): IwpError {
    return translateS3Error(err, { url: this.url, bucket: this.loc.bucket, endpoint: this.endpoint }, rel);
  }
}

function sse(opts: WriteOptions): { ServerSideEncryption?: 'aws:kms'; SSEKMSKeyId?: string } {
  return opts.kmsKeyId ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: opts.kmsKeyId } : {};
}

/** A PutObject's body: pieces as one stream of their total length, else the bytes. */
function bodyParams(body: PutBody): { Body: Buffer | Readable; ContentLength?: number } {
  if (typeof body === 'string') return { Body: Buffer.from(body) };
  if (!Array.isArray(body)) return { Body: body as Buffer };
  const pieces = body as readonly Buffer[];
  return { Body: Readable.from(pieces, { objectMode: false }), ContentLength: pieces.reduce((n, b) => n + b.length, 0) };
}
