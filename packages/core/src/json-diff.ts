import fastJsonPatch from 'fast-json-patch';

/** One structural change, as a JSON Patch (RFC 6902) operation that also keeps the old value. */
export interface Change {
  op: 'add' | 'remove' | 'replace';
  /** JSON Pointer (RFC 6901) */
  path: string;
  old?: unknown;
  new?: unknown;
}

/** The structural difference from `prev` to `next`: add, remove and replace operations with old values. */
export function jsonChanges(prev: unknown, next: unknown): Change[] {
  const ops = fastJsonPatch.compare((prev ?? {}) as object, (next ?? {}) as object);
  return ops.flatMap((o): Change[] => {
    if (o.op !== 'add' && o.op !== 'remove' && o.op !== 'replace') return [];
    const c: Change = { op: o.op, path: o.path };
    if (o.op !== 'add') c.old = valueAt(prev, o.path);
    if (o.op !== 'remove') c.new = (o as { value: unknown }).value;
    return [c];
  });
}

function valueAt(root: unknown, pointer: string): unknown {
  try {
    return fastJsonPatch.getValueByPointer(root as object, pointer);
  } catch {
    return undefined;
  }
}

/** `~ /a/b: 1 -> 2`, `+ /c: {...}`, `- /d: "x"`, one line per change. */
export function renderChanges(changes: Change[]): string[] {
  const short = (v: unknown) => {
    const s = JSON.stringify(v);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  return changes.map((c) =>
    c.op === 'add' ? `+ ${c.path}: ${short(c.new)}` : c.op === 'remove' ? `- ${c.path}: ${short(c.old)}` : `~ ${c.path}: ${short(c.old)} -> ${short(c.new)}`,
  );
}
