import type { PipelineRun } from '@iwp/core';
import type { Event } from '../brigadier/types.js';

export type PipelineJob = PipelineRun['jobs'][number];

export interface ExecutorOptions {
  /** executor for jobs that do not name one */
  default: string;
  runc?: { stateRoot?: string; imageCache?: string; insecureRegistries?: string[]; authFile?: string };
  pod?: { namespace?: string; kubeconfig?: string; context?: string; tolerations?: Array<Record<string, string>> };
}

/** parent -> worker, once */
export interface StartMessage {
  t: 'start';
  runId: string;
  script: string;
  event: Event;
  runDir: string;
  workspaceDir: string;
  sourceDir?: string;
  /** secret values to mask (the event's project secrets and any others) */
  mask: string[];
  executors: ExecutorOptions;
  /** where job logs are reported: `logs/<job>.log` under runDir unless a store says otherwise */
  logLocation?: string;
}

/** worker -> parent */
export type WorkerMessage =
  | { t: 'started'; at: string }
  | { t: 'job'; job: PipelineJob }
  | { t: 'log'; job: string; stream: 'stdout' | 'stderr'; line: string }
  | { t: 'note'; job: string; message: string; fields?: Record<string, unknown> }
  | { t: 'done'; ok: boolean; error?: string; summary?: string; ignored?: string };
