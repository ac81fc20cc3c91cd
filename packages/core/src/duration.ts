import { badInput } from './errors.js';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Parses Go/kubectl style durations: `600s`, `15m`, `1h30m`, `30d`, `250ms`; a bare number is seconds.
 * `field` names the flag in the error.
 */
export function parseDuration(text: string, field: string): number {
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;
  let total = 0;
  let pos = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  if (pos !== s.length || s.length === 0) throw badInput(field, 'a duration such as 30s, 15m, 1h30m or 30d', text);
  return Math.round(total);
}

/** 90061000 -> "1d1h1m1s" */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  let rest = Math.round(ms / 1000);
  const out: string[] = [];
  for (const [u, n] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (rest >= n) {
      out.push(`${Math.floor(rest / n)}${u}`);
      rest %= n;
    }
  }
  return out.join('');
}
