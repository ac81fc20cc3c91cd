import { createInterface } from 'node:readline/promises';
import { ErrorCode, IwpError } from '@iwp/core';
import { diffStates, renderDiff } from './diff.js';
import type { parseState } from './envelope.js';
import type { LocalRecord } from './record.js';
import type { Expect, Stack } from './stack.js';

/**
 * The version a push may replace: `--force` any, `--expect-version N` only N, else the
 * version pulled in this directory. With none of those a first push creates the state and
 * any later one is refused, so nobody overwrites a version they never saw.
 */
export async function resolveExpect(stack: Stack, rec: LocalRecord, opts: { force?: boolean; expectVersion?: number | undefined }): Promise<Expect> {
  if (opts.force) return 'force';
  if (opts.expectVersion !== undefined) {
    const cur = await stack.current();
    const have = cur?.env.version ?? 0;
    if (have !== opts.expectVersion) {
      throw new IwpError(ErrorCode.CAS_LOST, `stack ${stack.name} is at version ${have}, not ${opts.expectVersion}`, {
        details: { stack: stack.name, version: have, expectedVersion: opts.expectVersion },
      });
    }
    return cur ? { version: cur.env.version, etag: cur.etag } : { version: null, etag: null };
  }
  if (rec.etag && rec.version != null) return { version: rec.version, etag: rec.etag };
  const cur = await stack.current();
  if (!cur) return { version: null, etag: null };
  throw new IwpError(ErrorCode.CAS_LOST, `stack ${stack.name} has version ${cur.env.version}, which was never pulled here`, {
    hint: 'remote-state pull first, or --expect-version N, or --force',
    details: { stack: stack.name, version: cur.env.version },
  });
}

/** On a terminal, shows the diff against the current state and asks, as the seed's locker did. */
export async function confirmPush(stack: Stack, parsed: ReturnType<typeof parseState>): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY || parsed.encoding !== 'json') return true;
  const cur = await stack.current();
  const d = diffStates(stack.name, cur?.env.version ?? null, cur && (await stack.open(cur.env)).state, parsed.value);
  process.stderr.write(`${renderDiff(d)}\n`);
  if (d.identical) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('push these changes? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}
