import type { ExecutorOptions } from '../worker/protocol.js';
import { ProcessExecutor } from './process/executor.js';
import type { Executor } from './types.js';

export const EXECUTORS = ['process', 'runc', 'pod'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

export function isExecutorName(name: string): name is ExecutorName {
  return (EXECUTORS as readonly string[]).includes(name);
}

/** Builds an executor by name; runc and pod load their clients only when used. */
export async function createExecutor(name: ExecutorName, opts: ExecutorOptions): Promise<Executor> {
  switch (name) {
    case 'process':
      return new ProcessExecutor();
    case 'runc': {
      const { RuncExecutor } = await import('./runc/executor.js');
      const runc = opts.runc ?? {};
      if (!runc.imageCache) throw new Error('runc executor: no image cache directory given');
      return new RuncExecutor({ ...runc, imageCache: runc.imageCache });
    }
    case 'pod': {
      const { PodExecutor } = await import('./pod/executor.js');
      return PodExecutor.fromOptions(opts.pod ?? {});
    }
  }
}

export type { Executor, JobContext, JobOutcome, JobSpec, ContainerSpec } from './types.js';
