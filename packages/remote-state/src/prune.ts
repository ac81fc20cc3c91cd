import { doc, pool, type StatePrune } from '@iwp/core';
import { readChain } from './chain.js';
import type { Stack } from './stack.js';

/**
 * Deletes the history entries that never became versions and never can: those of pushes
 * killed between their entry and their commit and never run again (a push run again deletes
 * its earlier entry itself). An entry is kept when it is a version (the chain from the entry
 * `state.json` names) or when its version is above the current one (a push in progress,
 * which may still commit). Any other entry's base is a version `state.json` has moved past,
 * and versions only grow, so its commit can no longer happen. Someone else's live lock
 * refuses, as a push would: a holder may be re-keying the entries.
 */
export async function prune(stack: Stack, opts: { dryRun?: boolean; lockId?: string } = {}): Promise<StatePrune> {
  await stack.mustExist();
  await stack.checkLock(opts.lockId);
  const { entries, versions, head } = await readChain(stack);
  const version = head ? (head.layout === 'pointer' ? head.pointer.version : head.env.version) : null;
  const kept = new Set(versions.map((e) => e.key));
  const dead = entries.filter((e) => !kept.has(e.key) && version !== null && e.version <= version).map((e) => e.key);
  if (!opts.dryRun) await pool(dead, 8, (key) => stack.store.delete(key));
  return doc('StatePrune', { stack: stack.name, store: stack.store.url, version, versions: versions.length, deleted: dead, dryRun: opts.dryRun ?? false });
}
