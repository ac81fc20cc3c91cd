import { Type, type Static } from '@sinclair/typebox';
import { Count, Digest, header, open } from './common.js';

/** nix-image: images, layer plans and layer lockfiles. */
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

/** `nix-image plan`: which store paths go in which layer (the last layer is the image's own files). */
export const LayerPlan = Type.Object(
  {
    ...header('LayerPlan'),
    image: Type.String(),
    maxLayers: Type.Integer({ minimum: 2 }),
    /** the lockfile the plan followed and (re)wrote */
    lock: Type.Optional(Type.String()),
    layers: Type.Array(Type.Object({ layer: Type.Integer({ minimum: 1 }), storePaths: Type.Array(Type.String()), size: Count }, open)),
    totalSize: Count,
  },
  open,
);
export type LayerPlan = Static<typeof LayerPlan>;

/** A layer-plan lockfile (`--lock FILE`): which store path names share a layer, in order. */
export const LayerLock = Type.Object({ ...header('LayerLock'), layers: Type.Array(Type.Array(Type.String())) }, open);
export type LayerLock = Static<typeof LayerLock>;
