import { API_VERSION, jsonChanges, renderChanges, type Change } from '@iwp/core';

export type { Change };

export interface StateDiff {
  apiVersion: typeof API_VERSION;
  kind: 'StateDiff';
  stack: string;
  version: number | null;
  identical: boolean;
  changes: Change[];
}

/** The structural difference from the stored state to `next`, as JSON Patch operations with old values. */
export function diffStates(stack: string, version: number | null, prev: unknown, next: unknown): StateDiff {
  const changes = jsonChanges(prev, next);
  return { apiVersion: API_VERSION, kind: 'StateDiff', stack, version, identical: changes.length === 0, changes };
}

export function renderDiff(d: StateDiff): string {
  if (d.identical) return `stack ${d.stack}: no changes against version ${d.version ?? 'none'}`;
  return [`stack ${d.stack}: ${d.changes.length} change(s) against version ${d.version ?? 'none'}`, ...renderChanges(d.changes)].join('\n');
}
