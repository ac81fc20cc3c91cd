import { formatImageRef, parseImageRef, type ImageRef } from '@iwp/core';

export type { ImageRef };

/** A push target: `host[:port]/repo[:tag][@sha256:…]`, registry required (core's parser). */
export const parseRef = (ref: string, field: string): ImageRef => parseImageRef(ref, { field });
export const formatRef = formatImageRef;
