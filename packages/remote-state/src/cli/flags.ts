import { Flags } from '@oclif/core';

/** The flags every command takes: where the stack is, how it is locked, how it is read. */
export const storeFlags = {
  store: Flags.string({
    char: 's',
    description: 'where stacks live: s3://bucket[/prefix][?region=&endpoint=] or file:///dir [env: REMOTE_STATE_STORE]',
    env: 'REMOTE_STATE_STORE',
    helpValue: 'URL',
  }),
  stack: Flags.string({
    description: 'stack name [env: REMOTE_STATE_STACK; default: the name of $IWP_ENVIRONMENT, else the directory name]',
    env: 'REMOTE_STATE_STACK',
    helpValue: 'NAME',
  }),
  'lock-table': Flags.string({
    description: 'keep locks in this DynamoDB table (hash key LockID) instead of lock.json [env: REMOTE_STATE_LOCK_TABLE]',
    env: 'REMOTE_STATE_LOCK_TABLE',
    helpValue: 'TABLE',
  }),
  identity: Flags.string({
    description: 'age identity file (age-keygen; one or more AGE-SECRET-KEY lines) to read a stack encrypted with age [env: REMOTE_STATE_IDENTITY]',
    env: 'REMOTE_STATE_IDENTITY',
    helpValue: 'FILE',
  }),
};

/** The lease of a lock (`lock`, `exec`). */
export const leaseFlags = {
  reason: Flags.string({ char: 'r', description: 'why the stack is locked (shown to others)' }),
  ttl: Flags.string({ description: 'lease length; an unrenewed lock expires after it', default: '15m', helpValue: 'DURATION' }),
  wait: Flags.string({ description: 'keep trying this long while another holder has the lock', default: '0s', helpValue: 'DURATION' }),
  'steal-expired': Flags.boolean({ description: 'take over a lock whose lease has expired' }),
};


/** `--lock-id`: the lock a writer holds (`push`, `rollback`, `prune`), else the one `lock` took in this directory. */
export const lockIdFlags = {
  'lock-id': Flags.string({ description: 'the lock you hold, when the stack is locked', env: 'REMOTE_STATE_LOCK_ID' }),
};
