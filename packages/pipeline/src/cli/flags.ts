import { Flags } from '@oclif/core';
import { parseDuration, type Logger } from '@iwp/core';
import { EXECUTORS } from '../executors/index.js';
import { loadSecrets } from '../secrets.js';
import type { RunEventSink } from '../run.js';
import type { ExecutorOptions } from '../worker/protocol.js';

/** Flags shared by `run` and `serve`: where runs go, how jobs run, which secrets they get. */
export const runnerFlags = {
  executor: Flags.option({ options: EXECUTORS, default: 'process' as const, description: 'executor for jobs that do not set job.executor' })(),
  'runs-dir': Flags.string({ description: 'run history: a directory or s3://bucket/prefix [default: ~/.cache/iwp/pipeline/runs]', helpValue: 'DIR|s3://...' }),
  secrets: Flags.string({ multiple: true, description: 'file of project secrets (JSON object or KEY=VALUE lines); masked in logs', helpValue: 'FILE' }),
  'secret-env': Flags.string({ multiple: true, description: 'environment variable to pass as a project secret of the same name; masked in logs', helpValue: 'NAME' }),
  'source-dir': Flags.string({ description: 'checkout of the event\'s source, mounted at a job\'s sourceMountPath (instead of fetching the event\'s commit)', helpValue: 'DIR' }),
  checkout: Flags.boolean({ default: true, allowNo: true, description: 'fetch the commit an event names (clone URL and commit) into the run\'s workspace' }),
  timeout: Flags.string({ default: '1h', description: 'stop a run (and its jobs) after this long' }),
  'keep-workspace': Flags.boolean({ description: 'keep the run\'s workspace directory after it ends' }),
  namespace: Flags.string({ description: 'pod executor: namespace of job pods [default: the kubeconfig context\'s, else default]' }),
  'insecure-registry': Flags.string({ multiple: true, description: 'runc executor: registry (host:port) to pull from over plain HTTP; loopback registries always may', helpValue: 'HOST:PORT' }),
};

export interface RunnerFlagValues {
  executor: string;
  'runs-dir'?: string | undefined;
  secrets?: string[] | undefined;
  'secret-env'?: string[] | undefined;
  'source-dir'?: string | undefined;
  checkout?: boolean | undefined;
  timeout: string;
  'keep-workspace'?: boolean | undefined;
  namespace?: string | undefined;
  'insecure-registry'?: string[] | undefined;
}

export function executorOptions(f: RunnerFlagValues): ExecutorOptions {
  return {
    default: f.executor,
    runc: { ...(f['insecure-registry'] ? { insecureRegistries: f['insecure-registry'] } : {}) },
    pod: { ...(f.namespace ? { namespace: f.namespace } : {}) },
  };
}

export async function runnerSettings(f: RunnerFlagValues) {
  return {
    executors: executorOptions(f),
    secrets: await loadSecrets({ files: f.secrets ?? [], envNames: f['secret-env'] ?? [] }),
    timeoutMs: parseDuration(f.timeout, '--timeout'),
    keepWorkspace: Boolean(f['keep-workspace']),
    checkout: f.checkout !== false,
    ...(f['source-dir'] ? { sourceDir: f['source-dir'] } : {}),
  };
}

/** Run events to the command's logger: text lines, or NDJSON with --log-format json. */
export function logSink(logger: Logger): RunEventSink {
  return (event, fields, text) => logger.event(event, fields, text);
}
