export { buildImage, MAX_LAYERS_CEILING, type BuildOptions, type BuildResult } from './build.js';
export { pushImage, BlobLocations, type PushReport } from './push.js';
export { RegistryClient, type ClientOptions } from './registry/client.js';
export { parseRef, formatRef, type ImageRef } from './registry/ref.js';
export { writeOciDir, readOciDir, assemble, canonical, MEDIA, type BuiltImage } from './oci.js';
export { LayerCache } from './layer-cache.js';
export { popularityLayers } from './layering.js';
export { imageDocument } from './document.js';
