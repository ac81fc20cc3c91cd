import { Type, type Static } from '@sinclair/typebox';
import { header, open } from './common.js';

/** cluster-up: clusters, their plans, deletions and list entries; the environment descriptor it reads. */
const Provider = Type.Union([Type.Literal('local'), Type.Literal('kind'), Type.Literal('ec2'), Type.Literal('vm')]);

export const ClusterNode = Type.Object(
  {
    name: Type.String(),
    role: Type.String(),
    ready: Type.Optional(Type.Boolean()),
    address: Type.Optional(Type.String()),
    runtime: Type.Optional(Type.String({ description: 'local provider: containerd (a real node) or kwok (simulated)' })),
  },
  open,
);
export const Cluster = Type.Object(
  {
    ...header('Cluster'),
    name: Type.String({ minLength: 1 }),
    provider: Provider,
    kubeconfig: Type.String({ minLength: 1, description: 'path of a kubeconfig file' }),
    context: Type.Optional(Type.String()),
    server: Type.Optional(Type.String()),
    nodes: Type.Optional(Type.Array(ClusterNode)),
    registry: Type.Optional(Type.String()),
    network: Type.Optional(Type.Object(
      {
        podCidr: Type.String(),
        serviceCidr: Type.String(),
        dns: Type.Optional(Type.String()),
        hostIp: Type.Optional(Type.String({ description: 'the host as pods reach it' })),
        bridge: Type.Optional(Type.String()),
      },
      open,
    )),
  },
  open,
);
export type Cluster = Static<typeof Cluster>;

const Cidr = Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+\\.\\d+/\\d+$', description: 'IPv4 CIDR' });
export const EnvironmentNode = Type.Object(
  {
    role: Type.Union([Type.Literal('control-plane'), Type.Literal('worker')]),
    count: Type.Integer({ minimum: 1 }),
    runtime: Type.Optional(Type.Union([Type.Literal('containerd'), Type.Literal('kwok')], { description: 'local provider: a real node (containerd) or a simulated one (kwok)' })),
    instanceType: Type.Optional(Type.String({ minLength: 1 })),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    taints: Type.Optional(Type.Array(Type.Object({ key: Type.String({ minLength: 1 }), value: Type.Optional(Type.String()), effect: Type.String() }))),
  },
  open,
);
/** An environment descriptor (nix/environments/*.nix evaluated to JSON): what cluster-up creates. */
export const Environment = Type.Object(
  {
    ...header('Environment'),
    name: Type.String({ pattern: '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$' }),
    provider: Provider,
    kubernetes: Type.Object({ version: Type.String({ pattern: '^v\\d+\\.\\d+\\.\\d+$' }) }, open),
    nodes: Type.Array(EnvironmentNode, { minItems: 1 }),
    network: Type.Optional(Type.Object({ cidr: Cidr, subnets: Type.Array(Cidr), adminCidr: Cidr }, open)),
    region: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    registry: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    cache: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    addons: Type.Optional(Type.Array(Type.Union([Type.Literal('knative'), Type.Literal('monitoring')]))),
  },
  open,
);
export type Environment = Static<typeof Environment>;

/** `cluster-up create --dry-run` / `plan`: what create would make, computed without I/O. */
export const ClusterPlan = Type.Object(
  {
    ...header('ClusterPlan'),
    name: Type.String({ minLength: 1 }),
    provider: Provider,
    stateDir: Type.String(),
    kubernetes: Type.Optional(Type.Object({ version: Type.String() }, open)),
    /** every resource create will make */
    resources: Type.Array(Type.Object({ type: Type.String(), name: Type.String() }, open)),
  },
  open,
);
export type ClusterPlan = Static<typeof ClusterPlan>;

/** `cluster-up delete`: what was removed (the details are the provider's). */
export const ClusterDeletion = Type.Object({ ...header('ClusterDeletion'), name: Type.String(), provider: Provider }, open);
export type ClusterDeletion = Static<typeof ClusterDeletion>;

/** An item of `cluster-up list` (a ClusterEntryList). */
export const ClusterEntry = Type.Object(
  {
    ...header('ClusterEntry'),
    name: Type.String(),
    provider: Provider,
    stateDir: Type.String(),
    running: Type.Boolean(),
    kubeconfig: Type.Optional(Type.String()),
    region: Type.Optional(Type.String()),
    /** why it is not running */
    detail: Type.Optional(Type.String()),
  },
  open,
);
export type ClusterEntry = Static<typeof ClusterEntry>;

/** `cluster-up kubeconfig`: the file to use, or the file it was merged into (`--merge`). */
export const Kubeconfig = Type.Object(
  {
    ...header('Kubeconfig'),
    name: Type.String(),
    kubeconfig: Type.String({ minLength: 1, description: 'path of a kubeconfig file' }),
    context: Type.Optional(Type.String()),
    merged: Type.Optional(Type.Boolean()),
  },
  open,
);
export type Kubeconfig = Static<typeof Kubeconfig>;
