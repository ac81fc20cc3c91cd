import { randomBytes } from 'node:crypto';

/**
 * A run id that sorts by time and is valid in file names and Kubernetes object names:
 * `20250102-030405-a1b2c3`.
 */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2025-01-02T03:04:05.678Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export const RUN_ID_PATTERN = /^[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/;

/**
 * Runs newest first: by `startedAt` (milliseconds), then by id. Ids alone order runs only to
 * the second; two runs of the same second would come in the order of their random suffixes.
 */
export function newestFirst<R extends { id: string; startedAt: string }>(runs: R[]): R[] {
  return runs.sort((a, b) => (a.startedAt === b.startedAt ? (a.id < b.id ? 1 : -1) : a.startedAt < b.startedAt ? 1 : -1));
}
