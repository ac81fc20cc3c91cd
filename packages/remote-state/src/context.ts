import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { awsRegion, badInput, type ObjectStore, openStore } from '@iwp/core';
import { checkStackName } from './keys.js';
import { ObjectLockBackend, type LockBackend } from './lock-backend.js';
import { TableLockBackend } from './lock-table.js';
import { readIdentities } from './encryption.js';
import { Stack } from './stack.js';

export interface StoreFlagValues {
  store?: string;
  stack?: string;
  'lock-table'?: string;
  identity?: string;
}

/** The stack named by flags, or by the environment descriptor, or by the directory. */
export function stackName(flag: string | undefined): string {
  if (flag !== undefined) return checkStackName(flag);
  const envFile = process.env.IWP_ENVIRONMENT;
  if (envFile) {
    try {
      const env = JSON.parse(readFileSync(envFile, 'utf8')) as { name?: unknown };
      if (typeof env.name === 'string') return checkStackName(env.name, 'IWP_ENVIRONMENT (name)');
    } catch (err) {
      throw badInput('IWP_ENVIRONMENT', 'an Environment document (JSON)', `${envFile} (${(err as Error).message})`);
    }
  }
  return checkStackName(basename(process.cwd()), '--stack (from the directory name)');
}

export function openLocks(flags: StoreFlagValues, store: ObjectStore): LockBackend {
  const table = flags['lock-table'];
  if (!table) return new ObjectLockBackend(store);
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) throw badInput('--lock-table', 'a DynamoDB table name', table);
  const { DynamoDBClient } = createRequire(import.meta.url)('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({ region: awsRegion() });
  return new TableLockBackend(client, table, store.url);
}

/** The store named by `--store` (or REMOTE_STATE_STORE), which is required. */
export function openStoreFlag(flags: Pick<StoreFlagValues, 'store'>): ObjectStore {
  if (!flags.store) throw badInput('--store', 'a store URL (s3://bucket[/prefix] or file:///dir), or REMOTE_STATE_STORE');
  return openStore(flags.store);
}

/** Store, lock backend and stack from the common flags. */
export function openStack(flags: StoreFlagValues): Stack {
  const store = openStoreFlag(flags);
  // identities are read only when an encrypted state must be opened
  return new Stack(store, openLocks(flags, store), stackName(flags.stack), { identities: () => readIdentities(flags.identity ? [flags.identity] : []) });
}
