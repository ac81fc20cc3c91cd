import { badInput } from '@iwp/core';

export const STACK_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A stack's objects: `<stack>/stack.json`, `state.json`, `lock.json`, `history/<version>.json`. */
export function stackKey(stack: string, name: string): string {
  return `${stack}/${name}`;
}

/** History keys sort by version: `history/000000000042.json`. */
export function historyKey(stack: string, version: number): string {
  return stackKey(stack, `history/${String(version).padStart(12, '0')}.json`);
}

export function versionOfHistoryKey(key: string): number | undefined {
  const m = /\/history\/(\d{12})\.json$/.exec(key);
  return m ? Number(m[1]) : undefined;
}

export function checkStackName(name: string, field = '--stack'): string {
  if (!STACK_PATTERN.test(name)) throw badInput(field, 'a stack name of letters, digits, ".", "_" and "-" (at most 128)', name);
  return name;
}
