import { Flags } from '@oclif/core';

/** `--cluster`, `--kubeconfig`, `--context`: what `clusterConfig` (the library) takes. */
export const clusterFlags = {
  cluster: Flags.string({ description: 'a Cluster document (cluster-up\'s output) naming the cluster', helpValue: 'FILE' }),
  kubeconfig: Flags.string({ description: 'kubeconfig file [default: $KUBECONFIG, ~/.kube/config]', helpValue: 'FILE' }),
  context: Flags.string({ description: 'kubeconfig context' }),
};
