import { API_VERSION, jsonChanges, renderChanges, type Change, type StateDiff } from '@iwp/core';

/** The `StateDiff` document (its schema is core's). */
export type { Change, StateDiff };

/** The structural difference from the stored state to `next`, as JSON Patch operations with old values. */
export function diffStates(stack: string, version: number | null, prev: unknown, next: unknown): StateDiff {
  const changes = jsonChanges(prev, next);
  return { apiVersion: API_VERSION, kind: 'StateDiff', stack, version, identical: changes.length === 0, changes };
}

export function renderDiff(d: StateDiff): string {
  if (d.identical) return `stack ${d.stack}: no changes against version ${d.version ?? 'none'}`;
  return [`stack ${d.stack}: ${d.changes.length} change(s) against version ${d.version ?? 'none'}`, ...renderChanges(d.changes)].join('\n');
}
