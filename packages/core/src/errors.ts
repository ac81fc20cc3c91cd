/** Exit codes of DESIGN.md; callers branch on these, never on message text. */
export const ExitCode = {
  OK: 0,
  FAILED: 1,
  BAD_INPUT: 2,
  CONFLICT: 3,
  NOT_FOUND: 4,
  TIMEOUT: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Error codes shared by every tool. Tools may add their own, in SCREAMING_SNAKE_CASE. */
export const ErrorCode = {
  FAILED: 'FAILED',
  BAD_INPUT: 'BAD_INPUT',
  BAD_DOCUMENT: 'BAD_DOCUMENT',
  WRONG_KIND: 'WRONG_KIND',
  FILE_NOT_FOUND: 'FILE_NOT_FOUND',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  LOCK_HELD: 'LOCK_HELD',
  CAS_LOST: 'CAS_LOST',
  TIMEOUT: 'TIMEOUT',
  UNREACHABLE: 'UNREACHABLE',
  AUTH_FAILED: 'AUTH_FAILED',
  PROCESS_FAILED: 'PROCESS_FAILED',
  HTTP_ERROR: 'HTTP_ERROR',
} as const;

const defaultExit: Record<string, ExitCode> = {
  BAD_INPUT: ExitCode.BAD_INPUT,
  BAD_DOCUMENT: ExitCode.BAD_INPUT,
  WRONG_KIND: ExitCode.BAD_INPUT,
  FILE_NOT_FOUND: ExitCode.BAD_INPUT,
  NOT_FOUND: ExitCode.NOT_FOUND,
  CONFLICT: ExitCode.CONFLICT,
  LOCK_HELD: ExitCode.CONFLICT,
  CAS_LOST: ExitCode.CONFLICT,
  TIMEOUT: ExitCode.TIMEOUT,
};

export interface IwpErrorOptions {
  exitCode?: ExitCode;
  hint?: string;
  cause?: unknown;
  details?: Record<string, unknown>;
}

/**
 * The one error type of iwp. `code` is stable (for scripts and `--json`), `exitCode`
 * follows DESIGN.md, `message` is one line for people.
 */
export class IwpError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, opts: IwpErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IwpError';
    this.code = code;
    this.exitCode = opts.exitCode ?? defaultExit[code] ?? ExitCode.FAILED;
    this.hint = opts.hint;
    this.details = opts.details;
  }
}

/** Bad input naming the field and what was expected: `--max-layers: expected 1..127, got 0`. */
export function badInput(field: string, expected: string, got?: unknown, opts: IwpErrorOptions = {}): IwpError {
  const gotText = got === undefined ? '' : `, got ${describe(got)}`;
  return new IwpError(ErrorCode.BAD_INPUT, `${field}: expected ${expected}${gotText}`, {
    ...opts,
    details: { field, expected, ...(got === undefined ? {} : { got: describe(got) }), ...opts.details },
  });
}

export function notFound(what: string, opts: IwpErrorOptions = {}): IwpError {
  return new IwpError(ErrorCode.NOT_FOUND, `${what} not found`, opts);
}

export function conflict(message: string, opts: IwpErrorOptions = {}): IwpError {
  return new IwpError(ErrorCode.CONFLICT, message, opts);
}

export function timedOut(message: string, opts: IwpErrorOptions = {}): IwpError {
  return new IwpError(ErrorCode.TIMEOUT, message, opts);
}

export function isIwpError(err: unknown): err is IwpError {
  return err instanceof IwpError || (typeof err === 'object' && err !== null && (err as { name?: string }).name === 'IwpError');
}

/** Turns anything thrown into an IwpError without losing its facts. */
export function toIwpError(err: unknown): IwpError {
  if (isIwpError(err)) return err;
  if (err instanceof Error) {
    const sys = err as NodeJS.ErrnoException;
    if (sys.code === 'ECONNREFUSED' || sys.code === 'ENOTFOUND' || sys.code === 'EHOSTUNREACH') {
      return new IwpError(ErrorCode.UNREACHABLE, redact(err.message), { cause: err });
    }
    return new IwpError(ErrorCode.FAILED, redact(err.message), { cause: err });
  }
  return new IwpError(ErrorCode.FAILED, redact(String(err)));
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return String(v);
  }
}

const secretPatterns: Array<[RegExp, string]> = [
  // user:password@ in URLs
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, '$1***:***@'],
  // Authorization headers and bearer tokens
  [/\b(authorization|proxy-authorization)(["']?\s*[:=]\s*["']?)(basic|bearer)?\s*[^\s"',]+/gi, '$1$2$3 ***'],
  [/\b(bearer)\s+[a-z0-9._~+/=-]{8,}/gi, '$1 ***'],
  // query-string credentials and AWS style secrets
  [/([?&](?:token|access_token|password|secret|signature|X-Amz-Signature|X-Amz-Credential)=)[^&\s]+/gi, '$1***'],
  [/\b(aws_secret_access_key|secret_access_key|secretAccessKey|password|passwd|token)(["']?\s*[:=]\s*["']?)[^\s"',}]+/gi, '$1$2***'],
];

/** Removes credentials from text before it reaches a message or a log line. */
export function redact(text: string): string {
  let out = text;
  for (const [re, rep] of secretPatterns) out = out.replace(re, rep);
  return out;
}
