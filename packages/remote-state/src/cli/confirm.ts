import { createInterface } from 'node:readline/promises';
import { renderDiff, type StateDiff } from '../diff.js';

/** Whether a terminal user can be asked (stdin and stderr both a TTY). */
export function canAsk(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/** Shows the diff on stderr and asks y/N, as the seed's locker did; an identical state needs no answer. */
export async function confirmDiff(d: StateDiff): Promise<boolean> {
  process.stderr.write(`${renderDiff(d)}\n`);
  if (d.identical) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question('push these changes? [y/N] ')).trim());
  } finally {
    rl.close();
  }
}
