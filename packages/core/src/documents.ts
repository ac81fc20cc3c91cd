import { Type, type Static, type TSchema } from '@sinclair/typebox';

/**
 * The JSON documents the tools exchange, typed once. Each kind is a TypeBox schema, so the
 * TypeScript type and the JSON Schema (packages/core/schema/*.json) come from one definition.
 * Extend, never break: new fields are optional, consumers ignore fields they do not know.
 */
export const API_VERSION = 'iwp/v1' as const;

const header = <K extends string>(kind: K) => ({
  apiVersion: Type.Literal(API_VERSION),
  kind: Type.Literal(kind),
});
const open = { additionalProperties: true } as const;

export const Digest = Type.String({ pattern: '^sha256:[a-f0-9]{64}$', description: 'content digest' });
export type Digest = Static<typeof Digest>;
export const StorePath = Type.String({ pattern: '^/nix/store/[0-9a-df-np-sv-z]{32}-.+$', description: 'Nix store path' });
export type StorePath = Static<typeof StorePath>;
const Count = Type.Integer({ minimum: 0 });
const Time = Type.String({ description: 'RFC 3339 time' });

export const ImageLayer = Type.Object(
  {
    digest: Digest,
    diffId: Digest,
    size: Count,
    mediaType: Type.Optional(Type.String()),
    storePaths: Type.Array(Type.String()),
  },
  open,
);

export const Image = Type.Object(
  {
    ...header('Image'),
    ref: Type.String({ minLength: 1, description: 'registry reference, or oci-dir:PATH' }),
    digest: Digest,
    mediaType: Type.Optional(Type.String()),
    repository: Type.Optional(Type.String()),
    tag: Type.Optional(Type.String()),
    platforms: Type.Optional(Type.Array(Type.Object({ os: Type.String(), architecture: Type.String(), variant: Type.Optional(Type.String()), digest: Type.Optional(Digest) }, open))),
    layers: Type.Array(ImageLayer),
    config: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    configDigest: Type.Optional(Digest),
    storePaths: Type.Optional(Type.Array(Type.String())),
    push: Type.Optional(
      Type.Object({ uploaded: Count, skipped: Count, mounted: Count, bytesUploaded: Count }, open),
    ),
  },
  open,
);
export type Image = Static<typeof Image>;

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
    provider: Type.Union([Type.Literal('local'), Type.Literal('kind'), Type.Literal('ec2'), Type.Literal('vm')]),
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
    provider: Type.Union([Type.Literal('local'), Type.Literal('kind'), Type.Literal('ec2'), Type.Literal('vm')]),
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

export const TrafficTarget = Type.Object(
  {
    revisionName: Type.Optional(Type.String()),
    latestRevision: Type.Optional(Type.Boolean()),
    percent: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    tag: Type.Optional(Type.String()),
    url: Type.Optional(Type.String()),
  },
  open,
);
export const KnativeService = Type.Object(
  {
    ...header('KnativeService'),
    name: Type.String({ minLength: 1 }),
    namespace: Type.String({ minLength: 1 }),
    url: Type.Optional(Type.String()),
    image: Type.Optional(Type.String()),
    ready: Type.Boolean(),
    /** why it is not Ready: the most specific condition's reason and message */
    reason: Type.Optional(Type.String()),
    generation: Type.Integer(),
    observedGeneration: Type.Optional(Type.Integer()),
    latestReadyRevision: Type.Optional(Type.String()),
    latestCreatedRevision: Type.Optional(Type.String()),
    /** the revision template's autoscaling.knative.dev/* annotations, prefix dropped */
    autoscaling: Type.Optional(Type.Record(Type.String(), Type.String())),
    traffic: Type.Array(TrafficTarget),
  },
  open,
);
export type KnativeService = Static<typeof KnativeService>;

export const KnativeRevision = Type.Object(
  {
    ...header('KnativeRevision'),
    name: Type.String({ minLength: 1 }),
    namespace: Type.String({ minLength: 1 }),
    service: Type.String(),
    /** the Configuration generation it was stamped from (the NNNNN of NAME-NNNNN) */
    generation: Count,
    image: Type.Optional(Type.String()),
    imageDigest: Type.Optional(Type.String()),
    ready: Type.Boolean(),
    reason: Type.Optional(Type.String()),
    percent: Type.Integer({ minimum: 0, maximum: 100 }),
    tags: Type.Array(Type.String()),
    actualReplicas: Type.Optional(Count),
    desiredReplicas: Type.Optional(Type.Integer()),
    created: Type.Optional(Time),
  },
  open,
);
export type KnativeRevision = Static<typeof KnativeRevision>;

export const CachePush = Type.Object(
  {
    ...header('CachePush'),
    store: Type.String(),
    paths: Count,
    uploaded: Count,
    skipped: Count,
    bytes: Count,
    seconds: Type.Number({ minimum: 0 }),
    storePaths: Type.Optional(Type.Array(Type.String())),
  },
  open,
);
export type CachePush = Static<typeof CachePush>;

export const CacheVerify = Type.Object(
  {
    ...header('CacheVerify'),
    store: Type.String(),
    checked: Count,
    ok: Count,
    failed: Type.Array(Type.Object({ storePath: Type.String(), problem: Type.String(), repaired: Type.Optional(Type.Boolean()) }, open)),
  },
  open,
);
export type CacheVerify = Static<typeof CacheVerify>;

export const CacheGC = Type.Object(
  {
    ...header('CacheGC'),
    store: Type.String(),
    dryRun: Type.Boolean(),
    kept: Count,
    deleted: Count,
    deletedNars: Type.Optional(Count),
    bytesFreed: Count,
    deletedPaths: Type.Optional(Type.Array(Type.String())),
    /** pushes in progress (live leases) whose paths and NARs were kept */
    activePushes: Type.Optional(Count),
  },
  open,
);
export type CacheGC = Static<typeof CacheGC>;

const LockFields = {
  stack: Type.String(),
  id: Type.String(),
  who: Type.String(),
  reason: Type.Optional(Type.String()),
  pid: Type.Optional(Type.Integer()),
  created: Time,
  expires: Type.Optional(Time),
  /** lease length; an unrenewed lock expires `ttlMs` after its last renewal */
  ttlMs: Type.Optional(Type.Integer({ minimum: 0 })),
  expired: Type.Optional(Type.Boolean()),
};
export const Lock = Type.Object({ ...header('Lock'), ...LockFields }, open);
export type Lock = Static<typeof Lock>;

export const StateInfo = Type.Object(
  {
    ...header('StateInfo'),
    stack: Type.String(),
    store: Type.String(),
    version: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    etag: Type.Optional(Type.String()),
    updatedBy: Type.Optional(Type.String()),
    updatedAt: Type.Optional(Time),
    lock: Type.Optional(Type.Union([Type.Object(LockFields, open), Type.Null()])),
    /** how the state is encrypted at rest: `kms:KEY_ID` (SSE-KMS) and/or `age:RECIPIENT` */
    encryption: Type.Optional(Type.Array(Type.String())),
  },
  open,
);
export type StateInfo = Static<typeof StateInfo>;

export const MonitoringStack = Type.Object(
  {
    ...header('MonitoringStack'),
    namespace: Type.String(),
    components: Type.Array(
      Type.Object({ name: Type.String(), kind: Type.String(), ready: Type.Optional(Type.Boolean()) }, open),
    ),
    prometheusUrl: Type.Optional(Type.String()),
    grafanaUrl: Type.Optional(Type.String()),
  },
  open,
);
export type MonitoringStack = Static<typeof MonitoringStack>;

export const PipelineJob = Type.Object(
  {
    name: Type.String(),
    image: Type.Optional(Type.String()),
    executor: Type.Optional(Type.String()),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('running'), Type.Literal('pending')]),
    exitCode: Type.Union([Type.Integer(), Type.Null()]),
    durationMs: Type.Optional(Count),
    logFile: Type.Optional(Type.String()),
    stdout: Type.Optional(Type.String()),
  },
  open,
);
export const PipelineRun = Type.Object(
  {
    ...header('PipelineRun'),
    id: Type.String(),
    script: Type.Optional(Type.String()),
    event: Type.Object({ source: Type.String(), type: Type.String() }, open),
    status: Type.Union([Type.Literal('succeeded'), Type.Literal('failed'), Type.Literal('running'), Type.Literal('queued')]),
    startedAt: Time,
    finishedAt: Type.Optional(Time),
    jobs: Type.Array(PipelineJob),
    error: Type.Optional(Type.String()),
  },
  open,
);
export type PipelineRun = Static<typeof PipelineRun>;

export const ErrorDocument = Type.Object(
  {
    ...header('Error'),
    code: Type.String(),
    message: Type.String(),
    hint: Type.Optional(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  open,
);
export type ErrorDocument = Static<typeof ErrorDocument>;

/** Every kind in use, by name. */
export const schemas = {
  Image,
  Cluster,
  Environment,
  KnativeService,
  KnativeRevision,
  CachePush,
  CacheVerify,
  CacheGC,
  StateInfo,
  Lock,
  MonitoringStack,
  PipelineRun,
  Error: ErrorDocument,
} as const satisfies Record<string, TSchema>;

export type Kind = keyof typeof schemas;
export type DocumentOf<K extends Kind> = Static<(typeof schemas)[K]>;

/** A list document: `{"kind": "ImageList", "items": [...]}`. */
export interface List<T> {
  apiVersion: typeof API_VERSION;
  kind: `${string}List`;
  items: T[];
}

export function list<T>(itemKind: string, items: T[]): List<T> {
  return { apiVersion: API_VERSION, kind: `${itemKind}List`, items };
}

/** Fills in apiVersion and kind: `doc('Lock', {...})`. */
export function doc<K extends Kind>(kind: K, body: Omit<DocumentOf<K>, 'apiVersion' | 'kind'>): DocumentOf<K> {
  return { apiVersion: API_VERSION, kind, ...body } as DocumentOf<K>;
}
