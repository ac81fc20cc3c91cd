import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { awsSdk } from './aws-sdk.js';
import { badInput } from './errors.js';

/**
 * AWS settings from where users keep them, resolved in one place: the region the environment
 * names (`AWS_REGION`, else `AWS_DEFAULT_REGION`, as the AWS CLI reads them), or undefined.
 */
export function envRegion(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
}

/** The region a client uses: the one given (flag, URL, descriptor), else the environment's, else us-east-1. */
export function awsRegion(given?: string, env: NodeJS.ProcessEnv = process.env): string {
  return given ?? envRegion(env) ?? 'us-east-1';
}

/** The S3 endpoint: the one given (`?endpoint=`), else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`; undefined for AWS itself. */
export function s3Endpoint(given?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return given ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
}

export interface S3Location {
  bucket: string;
  /** key prefix without leading or trailing slash ('' for the bucket root) */
  prefix: string;
  region?: string;
  endpoint?: string;
}

/**
 * Parses `s3://bucket[/prefix][?region=R&endpoint=URL]` as nix and terraform users write it.
 * `field` names the flag or document field in errors.
 */
export function parseS3Url(url: string, field: string): S3Location {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw badInput(field, 's3://bucket[/prefix][?region=&endpoint=]', url);
  }
  if (u.protocol !== 's3:') throw badInput(field, 'an s3:// URL', url);
  const bucket = u.hostname;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw badInput(`${field} (bucket)`, 'a valid S3 bucket name', bucket);
  const loc: S3Location = { bucket, prefix: decodeURIComponent(u.pathname).replace(/^\/+|\/+$/g, '') };
  const region = u.searchParams.get('region');
  const endpoint = u.searchParams.get('endpoint');
  if (region) loc.region = region;
  if (endpoint) {
    const ep = /^[a-z]+:\/\//.test(endpoint) ? endpoint : `https://${endpoint}`;
    loc.endpoint = ep;
  }
  return loc;
}

/** Joins the location's prefix and a relative key. */
export function s3Key(loc: S3Location, key: string): string {
  return loc.prefix ? `${loc.prefix}/${key}` : key;
}

/**
 * An S3 client for a location: credentials from the AWS SDK default chain, endpoint from the
 * URL or `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL` (the SDK reads those itself), path-style
 * addressing whenever a custom endpoint is in use (S3-compatible stores).
 *
 * Retries are the SDK's own (standard mode: 5xx, SlowDown and other throttling, connections
 * reset or refused, with jittered backoff and a retry quota); we only raise the attempts to
 * 5 unless `AWS_MAX_ATTEMPTS` says otherwise, and bound a silent connection, so a stalled
 * server ends in a retry instead of a hang. Bodies we send are buffers, or streams the store
 * itself sends again from the start (a file opened anew for S3Store.putFile, the same pieces
 * for S3Store.put), so every request can be replayed; reading a body that
 * breaks mid-way is retried by the store (S3Store.get). Request checksums are computed only
 * where S3 requires one, unless `AWS_REQUEST_CHECKSUM_CALCULATION` says otherwise.
 */
export function makeS3Client(loc: Pick<S3Location, 'region' | 'endpoint'>, extra: S3ClientConfig = {}): S3Client {
  const endpoint = s3Endpoint(loc.endpoint);
  // loaded on first use: the SDK is heavy and most commands never need it
  const { S3Client: Client } = awsSdk('@aws-sdk/client-s3');
  return new Client({
    region: awsRegion(loc.region),
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    ...(process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: 5 }),
    retryMode: process.env.AWS_RETRY_MODE ?? 'standard',
    requestHandler: { connectionTimeout: 5000, requestTimeout: 60_000 },
    // no CRC32 of every body by default: a payload we sign with its SHA-256 is checked by S3
    // already, a CRC over a stream makes the SDK send it aws-chunked (which some S3-compatible
    // stores decode slowly or not at all), and writes that want a stored checksum ask for one
    ...(process.env.AWS_REQUEST_CHECKSUM_CALCULATION ? {} : { requestChecksumCalculation: 'WHEN_REQUIRED' as const }),
    ...extra,
  });
}
