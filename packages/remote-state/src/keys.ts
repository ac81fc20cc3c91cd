import { badInput } from '@iwp/core';

export const STACK_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A stack's objects: `<stack>/stack.json`, `state.json`, `lock.json`, `versions/<...>.json`, `history/<version>...json`. */
export function stackKey(stack: string, name: string): string {
  return `${stack}/${name}`;
}

const pad = (version: number) => String(version).padStart(12, '0');
const ID = /^[A-Za-z0-9_-]{1,64}$/;
/** the base id of an entry whose base has no write id (a version written by hand, or none) */
export const NO_BASE = '0';

/** History keys sort by version: `history/000000000042.json`, as versions were written before entries were staged. */
export function historyKey(stack: string, version: number): string {
  return stackKey(stack, `history/${pad(version)}.json`);
}

/**
 * The entry of a version as it is written now, staged before its commit:
 * `history/<version>.<writeId>.<baseWriteId>.json`. The write id makes the key the writer's
 * own (no two writers of one version share an object); the base's write id links the entry
 * to the version it replaces, so the committed versions are a chain found by listing keys.
 */
export function entryKey(stack: string, version: number, writeId: string, baseWriteId: string | null | undefined): string {
  if (!ID.test(writeId)) throw new Error(`write id ${JSON.stringify(writeId)}: 1 to 64 letters, digits, "_" or "-"`);
  return stackKey(stack, `history/${pad(version)}.${writeId}.${baseWriteId && ID.test(baseWriteId) ? baseWriteId : NO_BASE}.json`);
}

/** What a history key says: the version, and for a staged entry its write id and its base's. */
export interface EntryName {
  version: number;
  writeId?: string;
  baseId?: string;
}

export function parseHistoryKey(key: string): EntryName | undefined {
  const m = /\/history\/(\d{12})(?:\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{1,64}))?\.json$/.exec(key);
  if (!m) return undefined;
  return m[2] === undefined ? { version: Number(m[1]) } : { version: Number(m[1]), writeId: m[2], baseId: m[3]! };
}

const TOP = 999_999_999_999;

/**
 * Where version N is kept (the versions layout, see layout.ts): `versions/<999999999999 − N>.<N>.json`.
 * Listed in key order the newest version comes first, so one listing of one key finds the
 * current version; the second number is the version as people read it.
 */
export function versionKey(stack: string, version: number): string {
  return stackKey(stack, `versions/${pad(TOP - version)}.${pad(version)}.json`);
}

export function versionsPrefix(stack: string): string {
  return stackKey(stack, 'versions/');
}

/** The version a `versions/` key holds; undefined for any other key. */
export function parseVersionKey(key: string): number | undefined {
  const m = /\/versions\/(\d{12})\.(\d{12})\.json$/.exec(key);
  return m && Number(m[1]) + Number(m[2]) === TOP ? Number(m[2]) : undefined;
}

export function versionOfHistoryKey(key: string): number | undefined {
  return parseHistoryKey(key)?.version;
}

export function checkStackName(name: string, field = '--stack'): string {
  if (!STACK_PATTERN.test(name)) throw badInput(field, 'a stack name of letters, digits, ".", "_" and "-" (at most 128)', name);
  return name;
}
