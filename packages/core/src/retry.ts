import pRetry from 'p-retry';
import { setTimeout as sleep } from 'node:timers/promises';
import { isIwpError, timedOut } from './errors.js';

export interface RetryOptions {
  /** retries after the first attempt (default 4: five attempts over about 3 s) */
  retries?: number;
  /** first backoff in ms, doubled each time, jittered (default 200) */
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** growth of the backoff per attempt (default 2) */
  factor?: number;
  /** which errors are worth another attempt (default `isTransient`) */
  shouldRetry?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number) => void;
}

const NETWORK_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
]);
const THROTTLED = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestTimeout', 'InternalError', 'ServiceUnavailable', 'TooManyRequests']);

/**
 * Whether an error may go away on its own: a connection refused, reset or cut mid-body, a
 * timeout, HTTP 5xx or 429, S3's SlowDown/InternalError. Bad input, conflicts and not-found
 * never are. An IwpError says so itself with `details.transient`.
 */
export function isTransient(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isIwpError(e) && typeof e.details?.transient === 'boolean') return e.details.transient;
    const x = e as { code?: string; name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number }; status?: number };
    if (x.code && NETWORK_CODES.has(x.code)) return true;
    if (THROTTLED.has(x.Code ?? x.name ?? '')) return true;
    const status = x.$metadata?.httpStatusCode ?? x.status;
    if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
    if (x.name === 'TypeError' && /fetch failed|terminated|other side closed/i.test(x.message ?? '')) return true;
    if (/socket hang up|premature close|aborted/i.test(x.message ?? '')) return true;
  }
  return false;
}

/**
 * Runs `fn` again with exponential, jittered backoff while it fails with a transient error;
 * the last error is thrown as is. One helper for every tool, so retries behave the same.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const should = opts.shouldRetry ?? isTransient;
  return pRetry(fn, {
    retries: opts.retries ?? 4,
    minTimeout: opts.minTimeoutMs ?? 200,
    maxTimeout: opts.maxTimeoutMs ?? 5000,
    factor: opts.factor ?? 2,
    randomize: true,
    shouldRetry: ({ error }) => should(error),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (retriesLeft > 0 && should(error)) opts.onRetry?.(error, attemptNumber);
    },
  });
}

/**
 * Asks `holds` every `intervalMs` until it answers true; past `deadline` (a `Date.now()`
 * value), a timeout (exit 5) with the message `what`. An error from `holds` ends the wait.
 */
export async function pollUntil(holds: () => Promise<boolean>, deadline: number, what: string, intervalMs = 100): Promise<void> {
  while (!(await holds())) {
    if (Date.now() > deadline) throw timedOut(what);
    await sleep(intervalMs);
  }
}
