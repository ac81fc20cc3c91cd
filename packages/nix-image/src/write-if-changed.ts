import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@iwp/core';

/**
 * Writes a small text file atomically unless it already holds exactly this text: a rebuild of
 * an unchanged image writes (and syncs) nothing.
 */
export async function writeIfChanged(path: string, text: string): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => undefined)) !== text) await writeFileAtomic(path, text);
}
