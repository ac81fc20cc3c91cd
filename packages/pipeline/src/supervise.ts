import type { ChildProcess } from 'node:child_process';
import { appendFile } from 'node:fs/promises';
import { LineSplitter, type Masker } from './mask.js';
import type { StartMessage, WorkerMessage } from './worker/protocol.js';

export interface WorkerResult {
  ok: boolean;
  error?: string;
  summary?: string;
  ignored?: string;
}

export interface SuperviseOptions {
  masker: Masker;
  /** the script's own output (the worker's stdout and stderr) is appended here, masked */
  scriptLog: string;
  onScriptLine(stream: 'stdout' | 'stderr', line: string): void;
  onMessage(msg: WorkerMessage): void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Hands a run to a worker process and follows it to its end: its messages, its output
 * (masked, line by line), the run's timeout (SIGTERM, which stops the jobs, then SIGKILL)
 * and a worker that dies before reporting.
 */
export function superviseWorker(child: ChildProcess, start: StartMessage, opts: SuperviseOptions): Promise<WorkerResult> {
  return new Promise((done) => {
    // a pre-started worker was unreferenced while idle
    child.ref();
    child.channel?.ref();
    for (const s of [child.stdout, child.stderr]) (s as unknown as { ref?: () => void } | null)?.ref?.();
    let final: WorkerResult | undefined;
    let stopReason: string | undefined;
    const stop = (reason: string) => {
      if (stopReason || child.exitCode !== null) return;
      stopReason = reason;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    };
    const timer = opts.timeoutMs ? setTimeout(() => stop(`run timed out after ${opts.timeoutMs! / 1000}s`), opts.timeoutMs) : undefined;
    opts.signal?.addEventListener('abort', () => stop('run stopped'), { once: true });

    let logChain = Promise.resolve();
    for (const stream of ['stdout', 'stderr'] as const) {
      const split = new LineSplitter();
      const onLines = (lines: string[]) => {
        if (!lines.length) return;
        const masked = lines.map((l) => opts.masker.mask(l));
        logChain = logChain.then(() => appendFile(opts.scriptLog, masked.map((l) => `${l}\n`).join(''))).catch(() => undefined);
        for (const line of masked) opts.onScriptLine(stream, line);
      };
      child[stream]?.setEncoding('utf8').on('data', (d: string) => onLines(split.push(d)));
      child[stream]?.on('end', () => onLines(split.flush()));
    }

    child.on('message', (m: WorkerMessage) => {
      if (m.t === 'done') final = { ok: m.ok, ...(m.error ? { error: m.error } : {}), ...(m.summary ? { summary: m.summary } : {}), ...(m.ignored ? { ignored: m.ignored } : {}) };
      else opts.onMessage(m);
    });
    child.on('error', (err) => {
      final ??= { ok: false, error: `worker: ${err.message}` };
    });
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (stopReason) final = { ok: false, error: stopReason };
      void logChain.then(() => done(final ?? { ok: false, error: `worker exited ${signal ? `on ${signal}` : `with code ${code}`} before the run finished` }));
    });
    child.send(start);
  });
}
