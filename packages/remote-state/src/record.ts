import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '@iwp/core';
import { baseOf, type Current, type Layout } from './layout.js';

/**
 * What this working directory last saw of a stack, as terraform keeps `.terraform/`: the
 * version and ETag pulled (the base of the next compare-and-swap push) and the lock held.
 * `$REMOTE_STATE_DIR` (default `./.remote-state`).
 */
export interface LocalRecord {
  store: string;
  stack: string;
  version?: number | null;
  etag?: string | null;
  /** how state.json was stored when it was read (a pointer since this layout) */
  layout?: Layout | null;
  /** that version's write id (null: it has none) and encryption: a push names its entry and seals without reading first */
  writeId?: string | null;
  encryption?: string[] | null;
  lock?: { id: string; token: string } | null;
  /** the id of a push sent from here whose answer never came back (killed, or failed) */
  pending?: string | null;
}

export function recordDir(): string {
  return resolve(process.env.REMOTE_STATE_DIR ?? '.remote-state');
}

function recordPath(store: string, stack: string): string {
  const h = createHash('sha256').update(store).digest('hex').slice(0, 12);
  return join(recordDir(), `${stack}.${h}.json`);
}

export async function readRecord(store: string, stack: string): Promise<LocalRecord> {
  try {
    const r = JSON.parse(await readFile(recordPath(store, stack), 'utf8')) as LocalRecord;
    if (r.store === store && r.stack === stack) return r;
  } catch {
    /* none yet */
  }
  return { store, stack };
}

export async function updateRecord(store: string, stack: string, patch: Partial<LocalRecord>): Promise<void> {
  const cur = await readRecord(store, stack);
  await writeFileAtomic(recordPath(store, stack), `${JSON.stringify({ ...cur, ...patch, store, stack }, null, 2)}\n`);
}

export async function dropRecord(store: string, stack: string): Promise<void> {
  await rm(recordPath(store, stack), { force: true });
}

/** What a working directory records of the version it pulled or pushed: the base of its next push. */
export function baseRecord(cur: Current): Partial<LocalRecord> {
  const b = baseOf(cur);
  return b === 'force' ? {} : { version: b.version, etag: b.etag, layout: b.layout ?? null, writeId: b.writeId ?? null, encryption: b.encryption ?? null };
}

/** The lock a command acts under: `--lock-id`, else the one `lock` recorded in this directory. */
export async function heldLockId(given: string | undefined, store: string, stack: string): Promise<string | undefined> {
  return given ?? (await readRecord(store, stack)).lock?.id;
}
