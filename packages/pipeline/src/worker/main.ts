import { pathToFileURL } from 'node:url';
import { preloadRunner } from '@iwp/core/runner';
import { installRuntime } from '../brigadier/runtime-slot.js';
import { Masker } from '../mask.js';
import type { StartMessage, WorkerMessage } from './protocol.js';
import { WorkerRuntime } from './runtime.js';

/**
 * NOTE: nothing the worker loads imports '@iwp/core' at run time (types only; the light
 * entries @iwp/core/runner and @iwp/core/image-ref are fine): its index
 * pulls in oclif, the AWS SDK and the Kubernetes client, over a second of start-up that
 * every run would pay before its script starts.
 *
 * The pipeline worker: one process per run (as Brigade runs one worker per event). It
 * receives the run over IPC, installs the runtime, imports the script (whose
 * `events.process()` dispatches the event) and reports jobs and the result back.
 */
const send = (msg: WorkerMessage) => {
  if (process.connected) process.send?.(msg);
};

// jobs run programs through core's runner: its process library loads while the worker waits
// for its run (a spare worker has it before the webhook), not when the first job starts
const runnerLoaded = preloadRunner().catch(() => undefined);

process.once('message', (msg: StartMessage) => {
  void runnerLoaded.then(() => main(msg)).then(
    () => exit(0),
    (err: unknown) => {
      send({ t: 'done', ok: false, error: `worker: ${(err as Error)?.message ?? String(err)}` });
      exit(1);
    },
  );
});

function exit(code: number): void {
  // let the last IPC message drain before the process goes
  if (process.connected) process.disconnect();
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

async function main(start: StartMessage): Promise<void> {
  const masker = new Masker([...start.mask, ...Object.values(start.event.project.secrets)]);
  const runtime = new WorkerRuntime({
    runId: start.runId,
    event: start.event as never,
    runDir: start.runDir,
    workspaceDir: start.workspaceDir,
    ...(start.sourceDir ? { sourceDir: start.sourceDir } : {}),
    masker,
    executors: start.executors,
    ...(start.logLocation ? { logLocation: start.logLocation } : {}),
    send,
  });
  installRuntime(runtime);
  process.on('unhandledRejection', (reason) => {
    runtime.fail(`unhandled rejection: ${(reason as Error)?.message ?? String(reason)}`);
  });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => runtime.abort('run stopped'));
  // the server died (or was killed): stop the jobs rather than leave them running unwatched
  process.once('disconnect', () => runtime.abort('run stopped: the pipeline server went away'));
  process.chdir(start.workspaceDir);
  send({ t: 'started', at: new Date().toISOString() });
  try {
    await import(pathToFileURL(start.script).href);
  } catch (err) {
    runtime.fail(`script ${start.script}: ${describeLoadError(err)}`);
  }
  const result = await runtime.finish();
  send({ t: 'done', ...result });
}

function describeLoadError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // a syntax error from the TypeScript transform names file:line:col in its message
  return err.message.split('\n').filter((l) => l.trim() !== '').slice(0, 3).join(' | ');
}
