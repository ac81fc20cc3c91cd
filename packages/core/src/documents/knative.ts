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
