import type { EC2Client, ResourceType, _InstanceType } from '@aws-sdk/client-ec2';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { doc, ErrorCode, IwpError, writeFileAtomic, type Cluster } from '@iwp/core';
import { agentUserData, clusterToken, serverUserData, TAG, type Ec2Plan } from './plan.js';
import { callCount, sender } from './client.js';
import { ec2Sdk } from './sdk.js';
import { count, findTagged, teardown } from './teardown.js';
import { fetchKubeconfig } from './ssh.js';

export interface Ec2CreateOptions {
  stateDir: string;
  /** fetch the kubeconfig over SSH once the API answers (off for emulators) */
  waitApi: boolean;
  timeoutMs: number;
  log: (m: string) => void;
}

/**
 * Creates the cluster's network, key pair and k3s instances, every resource tagged
 * `iwp:cluster=<name>`. When anything fails, everything made so far is deleted again.
 */
export async function createEc2(ec2: EC2Client, plan: Ec2Plan, opts: Ec2CreateOptions): Promise<Cluster & Record<string, unknown> & { calls: number }> {
  const before = callCount(ec2);
  const existing = await findTagged(ec2, plan.name);
  if (count(existing)) {
    throw new IwpError(ErrorCode.CONFLICT, `cluster ${plan.name} already exists in ${plan.region} (${count(existing)} tagged resources)`, {
      hint: `cluster-up delete ${plan.name} --provider ec2`,
    });
  }
  const s = ec2Sdk();
  const send = sender(ec2);
  const tags = (type: ResourceType, what: string) => [{ ResourceType: type, Tags: [{ Key: TAG, Value: plan.name }, { Key: 'Name', Value: `iwp-${plan.name}-${what}` }] }];
  try {
    const vpc = (await send<{ Vpc: { VpcId: string } }>(new s.CreateVpcCommand({ CidrBlock: plan.vpcCidr, TagSpecifications: tags('vpc', 'vpc') }))).Vpc.VpcId;
    opts.log(`created vpc ${vpc}`);
    await send(new s.ModifyVpcAttributeCommand({ VpcId: vpc, EnableDnsHostnames: { Value: true } }));
    const zones = ((await send<{ AvailabilityZones?: Array<{ ZoneName?: string }> }>(new s.DescribeAvailabilityZonesCommand({}))).AvailabilityZones ?? []).map((z) => z.ZoneName!);
    const subnets: string[] = [];
    for (const [i, cidr] of plan.subnets.entries()) {
      const zone = zones[i % Math.max(1, zones.length)];
      const sn = (await send<{ Subnet: { SubnetId: string } }>(new s.CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, ...(zone ? { AvailabilityZone: zone } : {}), TagSpecifications: tags('subnet', `subnet-${i + 1}`) }))).Subnet.SubnetId;
      await send(new s.ModifySubnetAttributeCommand({ SubnetId: sn, MapPublicIpOnLaunch: { Value: true } }));
      subnets.push(sn);
    }
    const igw = (await send<{ InternetGateway: { InternetGatewayId: string } }>(new s.CreateInternetGatewayCommand({ TagSpecifications: tags('internet-gateway', 'igw') }))).InternetGateway.InternetGatewayId;
    await send(new s.AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
    const rt = (await send<{ RouteTable: { RouteTableId: string } }>(new s.CreateRouteTableCommand({ VpcId: vpc, TagSpecifications: tags('route-table', 'public') }))).RouteTable.RouteTableId;
    await send(new s.CreateRouteCommand({ RouteTableId: rt, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
    for (const sn of subnets) await send(new s.AssociateRouteTableCommand({ RouteTableId: rt, SubnetId: sn }));
    const sg = (await send<{ GroupId: string }>(new s.CreateSecurityGroupCommand({ GroupName: `iwp-${plan.name}`, Description: `iwp cluster ${plan.name}`, VpcId: vpc, TagSpecifications: tags('security-group', 'nodes') }))).GroupId;
    const tcp = (port: number, cidr: string, what: string) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: cidr, Description: what }] });
    await send(new s.AuthorizeSecurityGroupIngressCommand({
      GroupId: sg,
      IpPermissions: [
        tcp(22, plan.adminCidr, 'ssh from admins'),
        tcp(6443, plan.adminCidr, 'kubernetes API from admins'),
        tcp(80, '0.0.0.0/0', 'http'),
        tcp(443, '0.0.0.0/0', 'https'),
        { IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: sg, Description: 'all traffic between nodes' }] },
      ],
    }));
    const key = await send<{ KeyMaterial: string; KeyName: string }>(new s.CreateKeyPairCommand({ KeyName: `iwp-${plan.name}`, KeyType: 'ed25519', TagSpecifications: tags('key-pair', 'ssh') }));
    await mkdir(opts.stateDir, { recursive: true });
    const keyFile = join(opts.stateDir, 'id_ed25519');
    await writeFileAtomic(keyFile, key.KeyMaterial, { mode: 0o600 });

    const images = await send<{ Images?: unknown[] }>(new s.DescribeImagesCommand({ ImageIds: [plan.ami] })).catch((err: Error) => {
      if (/InvalidAMIID/.test(err.name)) return { Images: [] };
      throw err;
    });
    if (!images.Images?.length) throw new IwpError(ErrorCode.NOT_FOUND, `AMI ${plan.ami} not found in ${plan.region}`, { details: { ami: plan.ami } });

    const token = clusterToken();
    const run = async (node: Ec2Plan['nodes'][number], userData: string, n: number, subnet: string, what: string) => {
      const r = await send<{ Instances?: Array<{ InstanceId?: string; PrivateIpAddress?: string }> }>(new s.RunInstancesCommand({
        ImageId: plan.ami, InstanceType: node.instanceType as _InstanceType, MinCount: n, MaxCount: n, KeyName: key.KeyName, SubnetId: subnet, SecurityGroupIds: [sg],
        UserData: Buffer.from(userData).toString('base64'),
        TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: TAG, Value: plan.name }, { Key: 'Name', Value: `iwp-${plan.name}-${what}` }, { Key: 'iwp:role', Value: node.role }] }],
      }));
      return r.Instances ?? [];
    };
    const cp = plan.nodes.find((n) => n.role === 'control-plane')!;
    const [server] = await run(cp, serverUserData(plan, token, cp), 1, subnets[0]!, 'server');
    const serverIp = server!.PrivateIpAddress!;
    opts.log(`started k3s server ${server!.InstanceId} (${serverIp})`);
    const ids = [server!.InstanceId!];
    let w = 0;
    for (const node of plan.nodes) {
      const n = node.role === 'control-plane' ? node.count - 1 : node.count;
      for (let i = 0; i < n; i++, w++) {
        const [inst] = await run(node, agentUserData(plan, token, serverIp, node), 1, subnets[w % subnets.length]!, `agent-${w + 1}`);
        ids.push(inst!.InstanceId!);
      }
    }
    let instances: Array<{ InstanceId?: string; PrivateIpAddress?: string; PublicIpAddress?: string; State?: { Name?: string }; Tags?: Array<{ Key?: string; Value?: string }> }> = [];
    const deadline = Date.now() + opts.timeoutMs;
    for (;;) {
      const r = await send<{ Reservations?: Array<{ Instances?: typeof instances }> }>(new s.DescribeInstancesCommand({ InstanceIds: ids }));
      instances = (r.Reservations ?? []).flatMap((x) => x.Instances ?? []);
      if (instances.every((i) => i.State?.Name === 'running')) break;
      if (Date.now() > deadline) throw new IwpError(ErrorCode.TIMEOUT, `instances of ${plan.name} not running after ${opts.timeoutMs / 1000}s`);
      await sleep(3000);
    }
    const serverPublic = instances.find((i) => i.InstanceId === server!.InstanceId)?.PublicIpAddress;
    const kubeconfig = join(opts.stateDir, 'kubeconfig');
    const apiServer = serverPublic ? `https://${serverPublic}:6443` : undefined;
    if (opts.waitApi) {
      if (!serverPublic) throw new IwpError(ErrorCode.FAILED, `the k3s server has no public address`);
      await fetchKubeconfig({ host: serverPublic, keyFile, out: kubeconfig, server: apiServer!, context: `iwp-${plan.name}`, deadline });
    }
    const resources = { vpc, subnets, internetGateway: igw, routeTable: rt, securityGroup: sg, keyPair: key.KeyName, instances: ids };
    await writeFileAtomic(join(opts.stateDir, 'ec2.json'), `${JSON.stringify({ region: plan.region, resources }, null, 2)}\n`);
    return {
      ...doc('Cluster', {
        name: plan.name,
        provider: 'ec2',
        kubeconfig,
        context: `iwp-${plan.name}`,
        ...(apiServer ? { server: apiServer } : {}),
        nodes: instances.map((i) => ({
          name: i.InstanceId!,
          role: i.Tags?.find((t) => t.Key === 'iwp:role')?.Value ?? 'worker',
          ready: opts.waitApi,
          ...(i.PrivateIpAddress ? { address: i.PrivateIpAddress } : {}),
        })),
      }),
      region: plan.region,
      resources,
      sshKey: keyFile,
      apiReady: opts.waitApi,
      calls: callCount(ec2) - before,
    };
  } catch (err) {
    opts.log(`create failed (${(err as Error).message}): deleting what was made`);
    await teardown(ec2, plan.name, opts.log).catch((e: Error) => opts.log(`cleanup failed: ${e.message}`));
    throw err;
  }
}
