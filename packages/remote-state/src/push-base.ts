import { ErrorCode, IwpError } from '@iwp/core';
import { diffStates, type StateDiff } from './diff.js';
import type { parseState } from './envelope.js';
import { baseOf, type Expect } from './layout.js';
import type { LocalRecord } from './record.js';
import type { Stack } from './stack.js';

/**
 * The version a push may replace: `--force` any, `--expect-version N` only N, else the
 * version pulled in this directory. With none of those a first push creates the state and
 * any later one is refused, so nobody overwrites a version they never saw.
 */
export async function resolveExpect(stack: Stack, rec: LocalRecord, opts: { force?: boolean; expectVersion?: number | undefined }): Promise<Expect> {
  if (opts.force) return 'force';
  if (opts.expectVersion !== undefined) {
    const cur = await stack.head();
    const have = cur?.env.version ?? 0;
    if (have !== opts.expectVersion) {
      throw new IwpError(ErrorCode.CAS_LOST, `stack ${stack.name} is at version ${have}, not ${opts.expectVersion}`, {
        details: { stack: stack.name, version: have, expectedVersion: opts.expectVersion },
      });
    }
    return baseOf(cur);
  }
  if (rec.etag && rec.version != null) {
    return {
      version: rec.version,
      etag: rec.etag,
      ...(rec.layout ? { layout: rec.layout } : {}),
      ...(rec.writeId !== undefined ? { writeId: rec.writeId } : {}),
      ...(rec.encryption ? { encryption: rec.encryption } : {}),
    };
  }
  const cur = await stack.head();
  if (!cur) return { version: null, etag: null };
  throw new IwpError(ErrorCode.CAS_LOST, `stack ${stack.name} has version ${cur.env.version}, which was never pulled here`, {
    hint: 'remote-state pull first, or --expect-version N, or --force',
    details: { stack: stack.name, version: cur.env.version },
  });
}

/** What a push of a JSON state would change in the current state (for a confirmation); undefined for bytes. */
export async function pushPreview(stack: Stack, parsed: ReturnType<typeof parseState>): Promise<StateDiff | undefined> {
  if (parsed.encoding !== 'json') return undefined;
  const cur = await stack.current();
  return diffStates(stack.name, cur?.env.version ?? null, cur && (await stack.open(cur.env)).state, parsed.value);
}
