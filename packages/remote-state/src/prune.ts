import { doc, pool, type StatePrune } from '@iwp/core';
import { readChain, versionOf } from './chain.js';
import type { Stack } from './stack.js';

/**
 * Deletes the history entries that never became versions and never can: those of pushes of
 * the pointer layout killed between their entry and their commit and never run again. An
 * entry is kept when it is a version (the chain from the entry `state.json` names) or, while
 * the stack is in the pointer layout, when its version is above the current one (a push in
 * progress, which may still commit). Any other entry's base is a version `state.json` has
 * moved past, and versions only grow, so its commit can no longer happen; once the stack is
 * in the versions layout no entry can become a version. Someone else's live lock refuses, as
 * a push would: a holder may be re-keying the entries. The versions layout leaves nothing to
 * prune: a push that loses or is refused has written nothing.
 */
export async function prune(stack: Stack, opts: { dryRun?: boolean; lockId?: string } = {}): Promise<StatePrune> {
  await stack.mustExist();
  await stack.checkLock(opts.lockId);
  const [{ entries, versions, head }, cur] = await Promise.all([readChain(stack), stack.head()]);
  const moved = head?.layout === 'moved';
  const kept = new Set(versions.map((e) => e.key));
  const dead = entries.filter((e) => !kept.has(e.key) && head !== undefined && (moved || e.version <= versionOf(head))).map((e) => e.key);
  const version = cur?.env.version ?? null;
  if (!opts.dryRun) await pool(dead, 8, (key) => stack.store.delete(key));
  return doc('StatePrune', { stack: stack.name, store: stack.store.url, version, versions: (await stack.history()).length, deleted: dead, dryRun: opts.dryRun ?? false });
}
