import { ErrorCode, ExitCode, IwpError } from '../errors.js';
import { isTransient } from '../retry.js';
import { casLost } from './types.js';

/** The S3 error's code (`NoSuchKey`, `PreconditionFailed`, ...), as the SDK names it. */
export function s3ErrorName(err: unknown): string {
  return (err as { name?: string; Code?: string }).Code ?? (err as { name?: string }).name ?? 'Error';
}

/**
 * What an S3 error means to a user: a lost race (CAS_LOST), a missing bucket, bad
 * credentials or KMS key (exit 2), an unreachable endpoint, or a failure naming the endpoint
 * that is left after the SDK's retries.
 */
export function translateS3Error(err: unknown, store: { url: string; bucket: string; endpoint: string | undefined }, rel: string): IwpError {
  if (err instanceof IwpError) return err;
  const name = s3ErrorName(err);
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const where = `${store.url}/${rel}`;
  if (name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412 || status === 409) {
    return casLost(store.url, rel);
  }
  if (name === 'NoSuchBucket' || (name === 'NotFound' && rel === '')) {
    return new IwpError(ErrorCode.NOT_FOUND, `bucket ${store.bucket} not found`, {
      hint: `create it first (aws s3 mb s3://${store.bucket})`,
      details: { bucket: store.bucket },
    });
  }
  if (
    ['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'ExpiredToken', 'CredentialsProviderError', 'Forbidden'].includes(name) ||
    status === 403 ||
    /credential/i.test(String((err as Error).message))
  ) {
    return new IwpError(ErrorCode.AUTH_FAILED, `${where}: access denied (${name}: ${(err as Error).message})`, {
      exitCode: ExitCode.BAD_INPUT,
      hint: 'check AWS_PROFILE / AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket policy',
    });
  }
  if (name.startsWith('KMS.') || (name === 'InvalidArgument' && /kms|encrypt/i.test(String((err as Error).message)))) {
    return new IwpError(ErrorCode.BAD_INPUT, `${where}: the store refused the encryption (${name}: ${(err as Error).message})`, {
      hint: 'check the KMS key id and that you may use it (kms:GenerateDataKey, kms:Decrypt)',
      details: { field: '--encrypt' },
    });
  }
  const endpoint = store.endpoint ?? 'the AWS S3 endpoint';
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || name === 'TimeoutError') {
    return new IwpError(ErrorCode.UNREACHABLE, `${store.url}: cannot reach the S3 endpoint ${endpoint} (${(err as Error).message})`, { cause: err, details: { endpoint, transient: true } });
  }
  // what is left after the SDK's retries: name the endpoint, so an operator knows where to look
  const transient = isTransient(err);
  return new IwpError(ErrorCode.FAILED, `${where}: ${name}: ${(err as Error).message}${transient ? ` (endpoint ${endpoint}, after retries)` : ''}`, {
    cause: err,
    details: { endpoint, transient },
  });
}
