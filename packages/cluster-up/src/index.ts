export { createLocal, type LocalOptions } from './local/create.js';
export { deleteLocal } from './local/delete.js';
export { statusLocal } from './local/status.js';
export { localStateDir } from './local/state.js';
export { kwokNode, type NodeRequest } from './local/nodes.js';
export { resolveBinDir, buildScript, LOCAL_BINARIES } from './bins.js';
export { clusterStateDir, clusterStatus, createCluster, deleteCluster, listClusters, planCluster, providerName } from './cluster.js';
export { providers, PROVIDERS, type ClusterDeletion, type ClusterEntry, type ClusterPlan, type ClusterRef, type ClusterRequest, type PlannedResource, type Provider, type ProviderContext, type ProviderName } from './providers/index.js';
export { mergeKubeconfig } from './kubeconfig.js';
