import { badInput } from '@iwp/core';

/** `127.0.0.1:8080`, `[::1]:8080`, `:8080` (all interfaces); port 0 picks a free one. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw badInput('--listen', 'HOST:PORT such as 127.0.0.1:8080', text);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2 };

/** `25MiB`, `512k`, `1048576` */
export function parseSize(text: string, field: string): number {
  const m = /^(\d+)\s*([a-zA-Z]*)$/.exec(text.trim());
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) === 0) throw badInput(field, 'a size such as 25MiB, 512k or 1048576', text);
  return Number(m[1]) * unit;
}
