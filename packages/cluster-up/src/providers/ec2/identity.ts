import {
  AddRoleToInstanceProfileCommand, AttachRolePolicyCommand, CreateInstanceProfileCommand, CreatePolicyCommand, CreateRoleCommand,
  DeleteInstanceProfileCommand, DeletePolicyCommand, DeleteRoleCommand, DetachRolePolicyCommand, GetInstanceProfileCommand,
  GetRoleCommand, ListAttachedRolePoliciesCommand, ListPoliciesCommand, RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { randomBytes } from 'node:crypto';
import { tagList, type AwsClients } from './clients.js';
import { must } from './network.js';
import { parameterArn, type Ec2Names, type Ec2Plan } from './plan.js';

/** The role's trust policy: EC2 instances may assume it. */
export const trustPolicy = () => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** The role's only permission: read the cluster's token parameter. */
export const tokenPolicy = (region: string, parameter: string) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: parameterArn(region, parameter) }],
});

/**
 * Stores a fresh k3s join token as a SecureString (default `aws/ssm` key) and makes the
 * instance role that may read it, and only it, with its instance profile.
 */
export async function createIdentity(c: AwsClients, plan: Ec2Plan): Promise<{ instanceProfile: string; policyArn: string }> {
  const n = plan.names;
  const tags = (what: string) => tagList(plan.name, what);
  await c.ssm.send(new PutParameterCommand({
    Name: n.parameter, Type: 'SecureString', Value: randomBytes(24).toString('hex'), Description: `k3s join token of iwp cluster ${plan.name}`, Tags: tags(n.parameter),
  }));
  const policyArn = must((await c.iam.send(new CreatePolicyCommand({
    PolicyName: n.policy, Path: n.iamPath, PolicyDocument: JSON.stringify(tokenPolicy(plan.region, n.parameter)), Tags: tags(n.policy),
  }))).Policy?.Arn, 'a policy ARN');
  await c.iam.send(new CreateRoleCommand({ RoleName: n.role, Path: n.iamPath, AssumeRolePolicyDocument: JSON.stringify(trustPolicy()), Tags: tags(n.role) }));
  await c.iam.send(new AttachRolePolicyCommand({ RoleName: n.role, PolicyArn: policyArn }));
  await c.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: n.instanceProfile, Path: n.iamPath, Tags: tags(n.instanceProfile) }));
  await c.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: n.instanceProfile, RoleName: n.role }));
  return { instanceProfile: n.instanceProfile, policyArn };
}

const gone = (err: unknown) => /NoSuchEntity|ParameterNotFound|NotFound/.test((err as Error).name);
const orUndefined = <T>(p: Promise<T>) => p.catch((err: unknown) => {
  if (gone(err)) return undefined;
  throw err;
});

export interface Identity {
  parameters: string[];
  roles: string[];
  policies: string[];
  instanceProfiles: string[];
}

/** Which of the cluster's parameter, role, policy and instance profile exist. */
export async function findIdentity(c: AwsClients, n: Ec2Names): Promise<Identity> {
  const param = await orUndefined(c.ssm.send(new GetParameterCommand({ Name: n.parameter })));
  const role = await orUndefined(c.iam.send(new GetRoleCommand({ RoleName: n.role })));
  const profile = await orUndefined(c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: n.instanceProfile })));
  const policies = (await c.iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: n.iamPath }))).Policies ?? [];
  return {
    parameters: param ? [n.parameter] : [],
    roles: role ? [n.role] : [],
    policies: policies.filter((p) => p.PolicyName === n.policy).flatMap((p) => (p.Arn ? [p.Arn] : [])),
    instanceProfiles: profile ? [n.instanceProfile] : [],
  };
}

/** Removes instance profile, role, policy and parameter; what is gone already is skipped. */
export async function deleteIdentity(c: AwsClients, n: Ec2Names, found: Identity): Promise<void> {
  if (found.instanceProfiles.length) {
    const profile = await orUndefined(c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: n.instanceProfile })));
    for (const r of profile?.InstanceProfile?.Roles ?? []) {
      await orUndefined(c.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: n.instanceProfile, RoleName: r.RoleName })));
    }
    await orUndefined(c.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: n.instanceProfile })));
  }
  if (found.roles.length) {
    const attached = (await orUndefined(c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: n.role }))))?.AttachedPolicies ?? [];
    for (const p of attached) await orUndefined(c.iam.send(new DetachRolePolicyCommand({ RoleName: n.role, PolicyArn: p.PolicyArn })));
    await orUndefined(c.iam.send(new DeleteRoleCommand({ RoleName: n.role })));
  }
  for (const arn of found.policies) await orUndefined(c.iam.send(new DeletePolicyCommand({ PolicyArn: arn })));
  if (found.parameters.length) await orUndefined(c.ssm.send(new DeleteParameterCommand({ Name: n.parameter })));
}
