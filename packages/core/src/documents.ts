import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { API_VERSION, header, open } from './documents/common.js';
import { BinaryCache, CacheExists, CacheGC, CacheKey, CacheLease, CachePush, CacheServer, CacheVerify } from './documents/cache.js';
import { Cluster, ClusterDeletion, ClusterEntry, ClusterPlan, Environment, Kubeconfig } from './documents/cluster.js';
import { Image, LayerLock, LayerPlan } from './documents/image.js';
import { KnativeInstall, KnativeManifest, KnativeRevision, KnativeService, KnativeServiceDeletion, KnativeServiceDiff } from './documents/knative.js';
import { DashboardExport, MonitoringStack, PortForward, QueryResult } from './documents/monitoring.js';
import { PipelineRun, PipelineRunLogs } from './documents/pipeline.js';
import { BackendCheck, Lock, Stack, StackState, StateDiff, StateInfo, StateMoved, StatePointer, StatePrune, StateVersion } from './documents/state.js';

/**
 * The JSON documents the tools exchange, typed once. Each kind is a TypeBox schema, so the
 * TypeScript type and the JSON Schema (packages/core/schema/*.json) come from one definition;
 * the kinds live in documents/<area>.ts, one file per tool. Extend, never break: new fields
 * are optional, consumers ignore fields they do not know. A kind a tool prints or stores
 * without an entry in `schemas` fails scripts/check-contract.mjs.
 */
export { API_VERSION, Digest, StorePath } from './documents/common.js';
export * from './documents/cache.js';
export * from './documents/cluster.js';
export * from './documents/image.js';
export * from './documents/knative.js';
export * from './documents/monitoring.js';
export * from './documents/pipeline.js';
export * from './documents/state.js';

export const ErrorDocument = Type.Object(
  {
    ...header('Error'),
    code: Type.String(),
    message: Type.String(),
    hint: Type.Optional(Type.String()),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  open,
);
export type ErrorDocument = Static<typeof ErrorDocument>;

/** Every kind in use, by name. */
export const schemas = {
  Image,
  LayerPlan,
  LayerLock,
  Cluster,
  ClusterPlan,
  ClusterDeletion,
  ClusterEntry,
  Kubeconfig,
  Environment,
  KnativeService,
  KnativeRevision,
  KnativeServiceDiff,
  KnativeServiceDeletion,
  KnativeInstall,
  KnativeManifest,
  CachePush,
  CacheVerify,
  CacheGC,
  CacheExists,
  CacheKey,
  CacheServer,
  CacheLease,
  BinaryCache,
  StateInfo,
  StateDiff,
  StateVersion,
  StatePrune,
  StackState,
  StatePointer,
  StateMoved,
  Stack,
  BackendCheck,
  Lock,
  MonitoringStack,
  QueryResult,
  PortForward,
  DashboardExport,
  PipelineRun,
  PipelineRunLogs,
  Error: ErrorDocument,
} as const satisfies Record<string, TSchema>;

export type Kind = keyof typeof schemas;
export type DocumentOf<K extends Kind> = Static<(typeof schemas)[K]>;

/** A list document: `{"kind": "ImageList", "items": [...]}`. */
export interface List<T> {
  apiVersion: typeof API_VERSION;
  kind: `${string}List`;
  items: T[];
}

export function list<T>(itemKind: Kind, items: T[]): List<T> {
  return { apiVersion: API_VERSION, kind: `${itemKind}List`, items };
}

/** Fills in apiVersion and kind: `doc('Lock', {...})`. */
export function doc<K extends Kind>(kind: K, body: Omit<DocumentOf<K>, 'apiVersion' | 'kind'>): DocumentOf<K> {
  return { apiVersion: API_VERSION, kind, ...body } as DocumentOf<K>;
}
