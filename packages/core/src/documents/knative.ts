import { Type, type Static } from '@sinclair/typebox';
import { Count, header, JsonChange, open, Time } from './common.js';

/** knative-deploy: services, revisions, diffs, deletions, the install and its manifests. */
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
/** One entry of a service's traffic: the Knative API's spec.traffic and status.traffic, as the document copies it. */
export type TrafficTarget = Static<typeof TrafficTarget>;
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

/** `knative-deploy diff`: what apply would change, from a server-side dry run. */
export const KnativeServiceDiff = Type.Object(
  {
    ...header('KnativeServiceDiff'),
    name: Type.String({ minLength: 1 }),
    namespace: Type.String({ minLength: 1 }),
    exists: Type.Boolean(),
    /** the revision template changes: applying makes a new revision */
    newRevision: Type.Boolean(),
    generation: Type.Object({ from: Type.Union([Type.Integer(), Type.Null()]), to: Type.Integer() }, open),
    changes: Type.Array(JsonChange),
  },
  open,
);
export type KnativeServiceDiff = Static<typeof KnativeServiceDiff>;

/** `knative-deploy delete`: whether there was a service to delete. */
export const KnativeServiceDeletion = Type.Object(
  { ...header('KnativeServiceDeletion'), name: Type.String({ minLength: 1 }), namespace: Type.String({ minLength: 1 }), deleted: Type.Boolean() },
  open,
);
export type KnativeServiceDeletion = Static<typeof KnativeServiceDeletion>;

/** `knative-deploy install`: what was installed into the cluster. */
export const KnativeInstall = Type.Object(
  {
    ...header('KnativeInstall'),
    /** only the API was installed: asked for, or every node of the cluster is simulated (kwok) */
    apiOnly: Type.Boolean(),
    version: Type.String(),
    source: Type.String(),
    namespace: Type.String(),
    images: Type.Union([Type.Literal('build'), Type.Literal('release'), Type.Literal('manifest'), Type.Literal('none')], { description: 'where the images came from' }),
    networking: Type.Union([Type.Literal('local'), Type.Literal('kourier'), Type.Literal('none')]),
    previousVersion: Type.Optional(Type.String()),
    built: Type.Optional(Type.Array(Type.Object({ path: Type.String(), ref: Type.String(), pushed: Type.Boolean() }, open))),
    crds: Type.Array(Type.String()),
    configMaps: Type.Array(Type.String()),
    deployments: Type.Array(Type.String()),
    objects: Count,
  },
  open,
);
export type KnativeInstall = Static<typeof KnativeInstall>;

/** A Knative release manifest as it ships (objects in source form, ko:// images) or is rendered. */
export const KnativeManifest = Type.Object(
  {
    ...header('KnativeManifest'),
    component: Type.Union([Type.Literal('serving'), Type.Literal('net-kourier')]),
    /** the Go module version (v0.N.M) */
    version: Type.String(),
    /** Knative's release (v1.N.M); empty for a manifest given as a file */
    release: Type.String(),
    sources: Type.Array(Type.String()),
    /** ko import path -> the published image */
    releaseImages: Type.Record(Type.String(), Type.String()),
    objects: Type.Array(Type.Object({ apiVersion: Type.String(), kind: Type.String() }, open)),
  },
  open,
);
export type KnativeManifest = Static<typeof KnativeManifest>;

/** Autoscaling metrics Knative knows: concurrency and rps (KPA), cpu and memory (HPA). */
export const KNATIVE_METRICS = ['concurrency', 'rps', 'cpu', 'memory'] as const;

const strings = (description: string) =>
  Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()], { description: 'a string' }), { description });
const upTo = (max?: number) =>
  Type.Integer({ minimum: 0, ...(max === undefined ? { description: 'an integer >= 0' } : { maximum: max, description: `an integer from 0 to ${max}` }) });
const duration = Type.Union([Type.String(), Type.Number()], { description: 'a duration such as 60s, or a number of seconds' });
const closed = { additionalProperties: false } as const;

/**
 * One service of a service descriptor (nix/services/*.nix, `knative-deploy apply -f`), in
 * kn's words: not a document (no apiVersion/kind), the input knative-deploy reads. Closed:
 * an unknown key is a mistake, named. A descriptor is one of these, a list of them, or
 * `{ services = { <name> = ...; } }` / `{ services = [ ... ]; }` (the name defaults to the
 * attribute's).
 */
export const ServiceDescriptor = Type.Object(
  {
    name: Type.String({ description: 'a service name' }),
    namespace: Type.Optional(Type.String({ description: 'a namespace' })),
    image: Type.Optional(Type.String({ minLength: 1, description: 'an image reference' })),
    env: Type.Optional(strings('an attribute set of strings')),
    port: Type.Optional(upTo(65535)),
    scale: Type.Optional(Type.Object(
      {
        min: Type.Optional(upTo()),
        max: Type.Optional(upTo()),
        initial: Type.Optional(upTo()),
        target: Type.Optional(Type.Number({ minimum: 0.01, description: 'a number >= 0.01' })),
        metric: Type.Optional(Type.Union(KNATIVE_METRICS.map((m) => Type.Literal(m)))),
        utilization: Type.Optional(upTo(100)),
        window: Type.Optional(duration),
        retention: Type.Optional(duration),
      },
      closed,
    )),
    concurrencyLimit: Type.Optional(upTo(1000)),
    resources: Type.Optional(Type.Object(
      { requests: Type.Optional(strings('an attribute set of quantities')), limits: Type.Optional(strings('an attribute set of quantities')) },
      closed,
    )),
    traffic: Type.Optional(Type.Array(
      Type.Object(
        {
          revision: Type.Optional(Type.String({ description: 'a revision name' })),
          latest: Type.Optional(Type.Boolean()),
          percent: Type.Optional(upTo(100)),
          tag: Type.Optional(Type.String({ description: 'a tag' })),
        },
        { ...closed, description: 'an attribute set { revision | latest = true; percent; tag; }' },
      ),
      { description: 'a list of { revision | latest = true; percent; tag; }' },
    )),
    labels: Type.Optional(strings('an attribute set of strings')),
    annotations: Type.Optional(strings('an attribute set of strings')),
  },
  { ...closed, description: 'an attribute set describing a service' },
);
export type ServiceDescriptor = Static<typeof ServiceDescriptor>;
