export { createLocal, deleteLocal, statusLocal, localStateDir, type LocalOptions } from './local/provider.js';
export { kwokNode, type NodeRequest } from './local/nodes.js';
export { resolveBinDir, buildScript, LOCAL_BINARIES } from './bins.js';
