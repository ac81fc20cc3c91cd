import {
  CreateKeyPairCommand, DescribeImagesCommand, DescribeInstancesCommand, RunInstancesCommand, waitUntilInstanceRunning,
  type _InstanceType, type Instance,
} from '@aws-sdk/client-ec2';
import { join } from 'node:path';
import { ErrorCode, IwpError, notFound, timedOut, withRetry, writeFileAtomic } from '@iwp/core';
import type { AwsClients } from './clients.js';
import { must, tagSpec } from './network.js';
import { ROLE_TAG, type Ec2Node, type Ec2Plan } from './plan.js';
import { agentUserData, serverUserData } from './userdata.js';

/** An ed25519 key pair; the private key is written 0600 into the state dir. */
export async function createKeyPair(c: AwsClients, plan: Ec2Plan): Promise<{ keyPair: string; keyFile: string }> {
  const key = await c.ec2.send(new CreateKeyPairCommand({ KeyName: plan.names.keyPair, KeyType: 'ed25519', TagSpecifications: tagSpec(plan, 'key-pair', plan.names.keyPair) }));
  const keyFile = join(plan.stateDir, 'id_ed25519');
  await writeFileAtomic(keyFile, must(key.KeyMaterial, 'key material'), { mode: 0o600 });
  return { keyPair: must(key.KeyName, 'a key name'), keyFile };
}

export async function checkAmi(c: AwsClients, plan: Ec2Plan): Promise<void> {
  const images = await c.ec2.send(new DescribeImagesCommand({ ImageIds: [plan.ami] })).catch((err: Error) => {
    if (/InvalidAMIID/.test(err.name)) return { Images: [] };
    throw err;
  });
  if (!images.Images?.length) throw notFound(`AMI ${plan.ami} in ${plan.region}`, { details: { ami: plan.ami } });
}

export interface Launch {
  plan: Ec2Plan;
  keyPair: string;
  securityGroup: string;
  subnets: string[];
  instanceProfile: string;
}

/**
 * RunInstances for one node. A new instance profile takes seconds to be usable by EC2
 * ("Invalid IAM Instance Profile"): that one error is retried for a minute.
 */
async function runOne(c: AwsClients, l: Launch, node: Ec2Node, userData: string): Promise<Instance> {
  const input = {
    ImageId: l.plan.ami, InstanceType: node.instanceType as _InstanceType, MinCount: 1, MaxCount: 1,
    KeyName: l.keyPair, SubnetId: l.subnets[node.subnet], SecurityGroupIds: [l.securityGroup],
    IamInstanceProfile: { Name: l.instanceProfile },
    MetadataOptions: { HttpTokens: 'required' as const, HttpEndpoint: 'enabled' as const },
    UserData: Buffer.from(userData).toString('base64'),
    TagSpecifications: tagSpec(l.plan, 'instance', node.name, { [ROLE_TAG]: node.role }),
  };
  // a new instance profile takes a while to reach EC2: every 5 s, up to 12 more times
  return withRetry(async () => must((await c.ec2.send(new RunInstancesCommand(input))).Instances?.[0], 'an instance'), {
    retries: 12, minTimeoutMs: 5000, maxTimeoutMs: 5000, shouldRetry: (err) => /Invalid IAM Instance Profile/i.test((err as Error).message),
  });
}

/** The k3s server, then the agents joining its private address. Returns the instance ids. */
export async function launchNodes(c: AwsClients, l: Launch, log: (m: string) => void): Promise<string[]> {
  const [serverNode, ...agents] = l.plan.instances;
  const server = await runOne(c, l, serverNode!, serverUserData(l.plan, serverNode!));
  const serverIp = must(server.PrivateIpAddress, 'the server\'s private address');
  log(`started k3s server ${server.InstanceId} (${serverIp})`);
  const ids = [must(server.InstanceId, 'an instance id')];
  for (const a of agents) ids.push(must((await runOne(c, l, a, agentUserData(l.plan, a, serverIp))).InstanceId, 'an instance id'));
  return ids;
}

/** Waits (the SDK's own waiter) until every instance runs; then describes them. */
export async function waitRunning(c: AwsClients, ids: string[], timeoutMs: number): Promise<Instance[]> {
  const r = await waitUntilInstanceRunning({ client: c.ec2, maxWaitTime: Math.max(1, Math.ceil(timeoutMs / 1000)), minDelay: 2, maxDelay: 10 }, { InstanceIds: ids })
    .catch((err: Error) => ({ state: 'ERROR', reason: err }));
  if (r.state === 'TIMEOUT') throw timedOut(`instances not running after ${timeoutMs / 1000}s`);
  if (r.state !== 'SUCCESS') throw new IwpError(ErrorCode.FAILED, `instances did not reach running (${r.state})`, { cause: r.reason });
  return describeInstances(c, { InstanceIds: ids });
}

export async function describeInstances(c: AwsClients, input: ConstructorParameters<typeof DescribeInstancesCommand>[0]): Promise<Instance[]> {
  const out: Instance[] = [];
  let token: string | undefined;
  do {
    const r = await c.ec2.send(new DescribeInstancesCommand({ ...input, ...(token ? { NextToken: token } : {}) }));
    out.push(...(r.Reservations ?? []).flatMap((x) => x.Instances ?? []));
    token = r.NextToken;
  } while (token);
  return out;
}
