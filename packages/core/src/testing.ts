import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CreateBucketCommand as CreateBucket } from '@aws-sdk/client-s3';
import { createRequire } from 'node:module';
import { makeS3Client } from './aws.js';

/** Helpers the packages' tests share (imported as `@iwp/core/testing`, never by tools). */
type Teardown = { teardown(fn: () => unknown): void };

/** A temp directory removed when the test ends. */
export async function tempDir(t: Teardown, prefix = 'iwp-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(d, { recursive: true, force: true }));
  return d;
}

/** A fresh bucket in the S3 emulator of the test environment (`AWS_ENDPOINT_URL`). */
export async function testBucket(name: string): Promise<string> {
  const { CreateBucketCommand } = createRequire(import.meta.url)('@aws-sdk/client-s3') as { CreateBucketCommand: typeof CreateBucket };
  const b = `iwp-${name}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await makeS3Client({}).send(new CreateBucketCommand({ Bucket: b }));
  return b;
}
export * from './fault-proxy.js';
export * from './git-server.js';
export * from './real-cluster.js';
