import type { Cluster, ClusterDeletion as ClusterDeletionDocument, ClusterEntry as ClusterEntryDocument, ClusterPlan as ClusterPlanDocument, Environment, Logger, Runner } from '@iwp/core';

export const PROVIDERS = ['local', 'kind', 'ec2'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** What a user asks for: a descriptor and/or flags, before any provider has looked at it. */
export interface ClusterRequest {
  name: string;
  provider: ProviderName;
  env?: Environment;
  /** workers when no descriptor gives the nodes */
  nodes?: number;
  runtime?: 'containerd' | 'kwok';
  registry?: string;
  sandboxImage?: string;
  binDir?: string;
  stateDir: string;
  ami?: string;
  region?: string;
  /** the region of the environment (AWS_REGION), used when neither flag nor descriptor names one */
  defaultRegion?: string;
  /** ec2: fetch the kubeconfig over SSH and wait for the nodes in the API */
  waitApi?: boolean;
}

/** One thing a create will make, as the plan lists it. */
export interface PlannedResource {
  type: string;
  name: string;
  [detail: string]: unknown;
}

/** The `ClusterPlan` document (core's type): what `create` would make, computed without any I/O; a provider of this table. */
export type ClusterPlan = Omit<ClusterPlanDocument, 'provider' | 'resources'> & { provider: ProviderName; resources: PlannedResource[] };

/** Finds an existing cluster: its name, where its state lives, and (ec2) its region. */
export interface ClusterRef {
  name: string;
  stateDir: string;
  /** ec2: the region given (--region) */
  region?: string;
  /** ec2: the environment's region (AWS_REGION), used when neither the flag nor the state dir names one */
  defaultRegion?: string;
}

/** The `ClusterDeletion` document (core's type); the details are the provider's. */
export type ClusterDeletion = ClusterDeletionDocument & { provider: ProviderName; [detail: string]: unknown };

/** A `ClusterEntry` document (core's type) before the command stamps apiVersion and kind. */
export type ClusterEntry = Omit<ClusterEntryDocument, 'apiVersion' | 'kind' | 'provider'> & { provider: ProviderName; [more: string]: unknown };

/** The seams a provider works through; commands build them once. */
export interface ProviderContext {
  run: Runner;
  logger: Pick<Logger, 'info'>;
  /** how long create waits for the cluster to be ready */
  timeoutMs: number;
}

/**
 * A place clusters run. Every provider has the same methods: `plan` is pure (no I/O, no
 * clock, no secrets) and lists every resource `create` will make.
 */
export interface Provider<P extends ClusterPlan = ClusterPlan> {
  readonly name: ProviderName;
  plan(req: ClusterRequest): P;
  create(plan: P, ctx: ProviderContext): Promise<Cluster>;
  status(ref: ClusterRef, ctx: ProviderContext): Promise<Cluster>;
  delete(ref: ClusterRef, ctx: ProviderContext): Promise<ClusterDeletion>;
  /** the clusters of this provider whose state lives under `base`, each as its provider sees it now */
  list(dirs: string[], ctx: ProviderContext): Promise<ClusterEntry[]>;
  /** whether a state dir belongs to this provider */
  owns(dir: string): Promise<boolean>;
}
