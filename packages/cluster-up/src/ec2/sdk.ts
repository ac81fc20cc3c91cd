import { createRequire } from 'node:module';

type Ec2 = typeof import('@aws-sdk/client-ec2');

/** The EC2 SDK, loaded on first use: it is heavy and only the ec2 provider needs it. */
export const ec2Sdk = (): Ec2 => createRequire(import.meta.url)('@aws-sdk/client-ec2') as Ec2;
