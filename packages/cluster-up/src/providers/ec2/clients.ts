import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { SSMClient } from '@aws-sdk/client-ssm';

/** The AWS clients of one region; AWS SDK credential chain, AWS_ENDPOINT_URL for emulators. */
export interface AwsClients {
  region: string;
  ec2: EC2Client;
  ssm: SSMClient;
  iam: IAMClient;
  /** API calls made through these clients so far */
  calls(): number;
}

export function awsClients(region: string): AwsClients {
  let n = 0;
  const counter = (next: (args: unknown) => Promise<unknown>) => (args: unknown) => {
    n++;
    return next(args);
  };
  const opts = { step: 'initialize' as const, name: 'iwpCallCount' };
  const ec2 = new EC2Client({ region });
  const ssm = new SSMClient({ region });
  const iam = new IAMClient({ region });
  // the three stacks differ only in their input/output types, which a counter never looks at
  ec2.middlewareStack.add(counter as never, opts);
  ssm.middlewareStack.add(counter as never, opts);
  iam.middlewareStack.add(counter as never, opts);
  return {
    region, ec2, ssm, iam,
    calls: () => n,
  };
}

/** `Key`/`Value` tags of a resource of the cluster. */
export const tagList = (cluster: string, name: string, extra: Record<string, string> = {}) =>
  [{ Key: 'iwp:cluster', Value: cluster }, { Key: 'Name', Value: name }, ...Object.entries(extra).map(([Key, Value]) => ({ Key, Value }))];
