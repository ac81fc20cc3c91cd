import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Sdk } from './teardown.js';

/** An EC2 client for the region: AWS SDK credential chain, AWS_ENDPOINT_URL(_EC2) for emulators. */
export function ec2Client(region: string): EC2Client {
  return new (ec2Sdk().EC2Client)({ region });
}
