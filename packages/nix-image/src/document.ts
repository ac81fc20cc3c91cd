import { API_VERSION, type Image } from '@iwp/core';
import type { BuiltImage } from './oci.js';
import type { PushReport } from './push.js';

/** The `Image` document other tools read (knative-deploy, cache-ctl). */
export function imageDocument(ref: string, img: BuiltImage, extra: { repository?: string; tag?: string; storePaths?: string[]; push?: PushReport; config?: Record<string, unknown> } = {}): Image {
  return {
    apiVersion: API_VERSION,
    kind: 'Image',
    ref,
    digest: img.manifestDigest,
    mediaType: img.mediaType,
    ...(extra.repository ? { repository: extra.repository } : {}),
    ...(extra.tag ? { tag: extra.tag } : {}),
    layers: img.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size, mediaType: l.mediaType, storePaths: l.storePaths })),
    configDigest: img.configDigest,
    ...(extra.config ? { config: extra.config } : {}),
    ...(extra.storePaths ? { storePaths: extra.storePaths } : {}),
    ...(extra.push ? { push: extra.push } : {}),
  };
}
