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
