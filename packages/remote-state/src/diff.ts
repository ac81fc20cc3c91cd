import fastJsonPatch from 'fast-json-patch';
import { API_VERSION } from '@iwp/core';

export interface Change {
  op: 'add' | 'remove' | 'replace';
  /** JSON Pointer (RFC 6901) */
  path: string;
  old?: unknown;
  new?: unknown;
}

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
  const ops = fastJsonPatch.compare((prev ?? {}) as object, (next ?? {}) as object);
  const changes: Change[] = ops.flatMap((o): Change[] => {
    if (o.op !== 'add' && o.op !== 'remove' && o.op !== 'replace') return [];
    const c: Change = { op: o.op, path: o.path };
    if (o.op !== 'add') c.old = valueAt(prev, o.path);
    if (o.op !== 'remove') c.new = (o as { value: unknown }).value;
    return [c];
  });
  return { apiVersion: API_VERSION, kind: 'StateDiff', stack, version, identical: changes.length === 0, changes };
}

function valueAt(root: unknown, pointer: string): unknown {
  try {
    return fastJsonPatch.getValueByPointer(root as object, pointer);
  } catch {
    return undefined;
  }
}

/** `~ /a/b: 1 -> 2`, `+ /c: {...}`, `- /d: "x"` */
export function renderDiff(d: StateDiff): string {
  if (d.identical) return `stack ${d.stack}: no changes against version ${d.version ?? 'none'}`;
  const short = (v: unknown) => {
    const s = JSON.stringify(v);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  const lines = d.changes.map((c) =>
    c.op === 'add' ? `+ ${c.path}: ${short(c.new)}` : c.op === 'remove' ? `- ${c.path}: ${short(c.old)}` : `~ ${c.path}: ${short(c.old)} -> ${short(c.new)}`,
  );
  return [`stack ${d.stack}: ${d.changes.length} change(s) against version ${d.version ?? 'none'}`, ...lines].join('\n');
}
