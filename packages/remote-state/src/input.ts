import { readFile } from 'node:fs/promises';
import { badInput, readStreamBytes } from '@iwp/core';
import { runHook } from './hooks.js';

/** The bytes named by `[FILE | -]` or `--from "cmd"`; exactly one source. */
export async function readSource(file: string | undefined, from: string | undefined): Promise<{ bytes: Buffer; source: string }> {
  if (file !== undefined && from !== undefined) throw badInput('FILE', 'either FILE or --from, not both', file);
  if (from !== undefined) return { bytes: await runHook('--from', from), source: `--from "${from}"` };
  if (file === undefined || file === '-') {
    if (file === undefined && process.stdin.isTTY) throw badInput('FILE', 'a state file, - for stdin, or --from "cmd"');
    return { bytes: await readStreamBytes(process.stdin), source: 'stdin' };
  }
  try {
    return { bytes: await readFile(file), source: file };
  } catch (err) {
    throw badInput('FILE', 'a readable file', `${file} (${(err as NodeJS.ErrnoException).code})`);
  }
}
