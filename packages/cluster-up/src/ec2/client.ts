import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Sdk } from './sdk.js';

const counts = new WeakMap<EC2Client, { n: number }>();

/**
 * An EC2 client for the region: AWS SDK credential chain, AWS_ENDPOINT_URL(_EC2) for
 * emulators. It counts the API calls made through it (see `callCount`).
 */
export function ec2Client(region: string): EC2Client {
  const client = new (ec2Sdk().EC2Client)({ region });
  const count = { n: 0 };
  client.middlewareStack.add((next) => (args) => {
    count.n++;
    return next(args);
  }, { step: 'initialize', name: 'iwpCallCount' });
  counts.set(client, count);
  return client;
}

/** API calls made through a client from `ec2Client` so far. */
export function callCount(ec2: EC2Client): number {
  return counts.get(ec2)?.n ?? 0;
}

/**
 * `ec2.send` for commands built from the lazily loaded SDK: the client's generic overloads
 * do not accept them, so the result type is the caller's.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function sender(ec2: EC2Client): <T = any>(command: object) => Promise<T> {
  return <T>(command: object) => (ec2.send as (c: object) => Promise<unknown>).call(ec2, command) as Promise<T>;
}
