import type { Writable } from 'node:stream';
import { redact } from './errors.js';

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  format?: LogFormat;
  quiet?: boolean;
  /** lowest level printed; IWP_LOG_LEVEL=debug shows debug lines */
  level?: LogLevel;
  stream?: Writable;
  /** tool name, put on every JSON event */
  tool?: string;
  now?: () => Date;
}

export type Fields = Record<string, unknown>;

/**
 * Logs and progress go to stderr, never stdout. Text for people, NDJSON events with
 * `--log-format json`. `--quiet` keeps only errors. Messages pass through `redact`.
 */
export class Logger {
  readonly format: LogFormat;
  readonly quiet: boolean;
  private readonly level: LogLevel;
  private readonly stream: Writable;
  private readonly tool: string | undefined;
  private readonly now: () => Date;

  constructor(opts: LoggerOptions = {}) {
    this.format = opts.format ?? 'text';
    this.quiet = opts.quiet ?? false;
    const envLevel = process.env.IWP_LOG_LEVEL as LogLevel | undefined;
    this.level = opts.level ?? (envLevel && envLevel in order ? envLevel : 'info');
    this.stream = opts.stream ?? process.stderr;
    this.tool = opts.tool;
    this.now = opts.now ?? (() => new Date());
  }

  debug(msg: string, fields?: Fields): void { this.log('debug', msg, fields); }
  info(msg: string, fields?: Fields): void { this.log('info', msg, fields); }
  warn(msg: string, fields?: Fields): void { this.log('warn', msg, fields); }
  error(msg: string, fields?: Fields): void { this.log('error', msg, fields); }

  /** A structured event (`{"event":"layer.pushed",...}`); in text mode, a plain line. */
  event(event: string, fields: Fields = {}, msg?: string): void {
    if (!this.enabled('info')) return;
    if (this.format === 'json') this.write({ time: this.now().toISOString(), level: 'info', event, ...(this.tool ? { tool: this.tool } : {}), ...(msg ? { msg: redact(msg) } : {}), ...fields });
    else this.stream.write(`${redact(msg ?? `${event}${formatFields(fields)}`)}\n`);
  }

  enabled(level: LogLevel): boolean {
    if (this.quiet && level !== 'error') return false;
    return order[level] >= order[this.level];
  }

  private log(level: LogLevel, msg: string, fields?: Fields): void {
    if (!this.enabled(level)) return;
    if (this.format === 'json') {
      this.write({ time: this.now().toISOString(), level, ...(this.tool ? { tool: this.tool } : {}), msg: redact(msg), ...fields });
    } else {
      const prefix = level === 'info' ? '' : `${level}: `;
      this.stream.write(`${prefix}${redact(msg)}${formatFields(fields)}\n`);
    }
  }

  private write(obj: Fields): void {
    this.stream.write(`${redact(JSON.stringify(obj))}\n`);
  }
}

function formatFields(fields?: Fields): string {
  if (!fields) return '';
  const parts = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

/** A logger that prints nothing, for library callers that do not care. */
export const silentLogger = new Logger({ quiet: true, level: 'error', stream: { write: () => true } as unknown as Writable });
