/** Values shorter than this are not masked: masking "1" or "ok" would garble every log. */
export const MIN_SECRET_LENGTH = 4;

/**
 * Replaces every occurrence of a secret value with `***`. Used on job output (line by
 * line, so a value split across reads is still caught), script output, errors and records.
 */
export class Masker {
  private readonly re: RegExp | undefined;

  constructor(secrets: Iterable<string>) {
    const values = [...new Set([...secrets].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH))];
    // longest first, so a secret containing another is replaced whole
    values.sort((a, b) => b.length - a.length);
    this.re = values.length ? new RegExp(values.map(escape).join('|'), 'g') : undefined;
  }

  mask(text: string): string {
    return this.re ? text.replace(this.re, '***') : text;
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits a stream of chunks into lines; `flush` returns the unterminated rest. */
export class LineSplitter {
  private rest = '';

  push(chunk: string): string[] {
    const text = this.rest + chunk;
    const lines = text.split('\n');
    this.rest = lines.pop() ?? '';
    return lines;
  }

  flush(): string[] {
    const r = this.rest;
    this.rest = '';
    return r === '' ? [] : [r];
  }
}
