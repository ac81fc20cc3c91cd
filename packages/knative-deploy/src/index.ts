export { installServing, servingConfigMaps, SYSTEM_NAMESPACE, type InstallResult } from './install.js';
export { servingCrds, DEFAULT_SERVING_VERSION } from './release.js';
export { serviceManifest, parseTraffic, imageFromDocument, toDocument, waitReady, getService, type ServiceSpec } from './service.js';
