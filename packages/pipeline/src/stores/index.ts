import { cacheDir, openStore } from '@iwp/core';
import { resolve } from 'node:path';
import { FileRunStore } from './file.js';
import { S3RunStore } from './s3.js';
import type { RunStore } from './types.js';

export const defaultRunsDir = (): string => cacheDir('pipeline', 'runs');

/** `--runs-dir`: a directory, or `s3://bucket/prefix` (AWS SDK credentials, AWS_ENDPOINT_URL). */
export function openRunStore(location: string | undefined, field = '--runs-dir'): RunStore {
  const where = location ?? defaultRunsDir();
  if (where.startsWith('s3://')) return new S3RunStore(openStore(where, field));
  return new FileRunStore(resolve(where));
}

export { FileRunStore } from './file.js';
export { S3RunStore } from './s3.js';
export { SCRIPT_LOG, type RunLog, type RunStore } from './types.js';
