import type { Writable } from 'node:stream';

export interface PrintOptions {
  /** `--json`; otherwise JSON is printed whenever the stream is not a TTY */
  json?: boolean;
  stream?: Writable & { isTTY?: boolean };
  /** readable rendering for a TTY; the default is an indented key: value outline */
  text?: (value: unknown) => string;
}

/** A write whose reader has gone: dropped (outliveReaders); any other error is thrown as before. */
function dropWhenReaderLeft(err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
  throw err;
}

/**
 * A reader of stdout or stderr that goes away (`cache-ctl push ./result 2>&1 | head -1`) no
 * longer stops the command halfway: what it would have read is dropped, and the work goes
 * on to its end, the exit code the work's. Node ignores SIGPIPE, so the first write after the
 * reader had gone raised EPIPE on the stream, which nothing handled: the process exited 1 in
 * the middle of its work (a push had sent one path of five and left a 39 MB temp cache).
 */
export function outliveReaders(streams: Writable[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) if (!stream.listeners('error').includes(dropWhenReaderLeft)) stream.on('error', dropWhenReaderLeft);
}

/** Whether results go out as JSON: `--json`, or stdout is not a terminal. */
export function wantsJson(json: boolean | undefined, stream: { isTTY?: boolean } = process.stdout): boolean {
  return Boolean(json) || !stream.isTTY;
}

/** Prints a result: one JSON document when piped or `--json`, readable text on a TTY. */
export function printResult(value: unknown, opts: PrintOptions = {}): void {
  const stream = opts.stream ?? process.stdout;
  if (wantsJson(opts.json, stream)) {
    stream.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const text = (opts.text ?? renderText)(value);
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** A plain outline of any JSON value, for people; apiVersion is left out. */
export function renderText(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return `${indent}-`;
  if (typeof value !== 'object') return `${indent}${String(value)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}(none)`;
    return value
      .map((item) => {
        if (item === null || typeof item !== 'object') return `${indent}- ${String(item)}`;
        const inner = renderText(item, `${indent}  `);
        return `${indent}- ${inner.trimStart()}`;
      })
      .join('\n');
  }
  const lines: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (k === 'apiVersion' || v === undefined) continue;
    if (v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)) {
      lines.push(`${indent}${k}:`);
      lines.push(renderText(v, `${indent}  `));
    } else {
      lines.push(`${indent}${k}: ${renderText(v).trim()}`);
    }
  }
  return lines.join('\n');
}

/** Renders rows as an aligned table, for `list` commands on a TTY. */
export function renderTable(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const cells = rows.map((r) => columns.map((c) => (r[c] === undefined || r[c] === null ? '-' : String(r[c]))));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [fmt(columns.map((c) => c.toUpperCase())), ...cells.map(fmt)].join('\n');
}
