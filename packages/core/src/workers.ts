import { isMainThread, parentPort, Worker } from 'node:worker_threads';

interface Task<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (err: unknown) => void;
}

type Reply<O> = { ok: true; value: O } | { ok: false; error: { message: string; name?: string; code?: string; stack?: string } };

/**
 * At most `size` worker threads running one module (which calls `serveWorker`), started on
 * first use and reused; tasks wait for a free thread. Idle threads do not keep the process
 * alive. Kept free of the rest of @iwp/core so a worker starts with only what it imports.
 */
export class WorkerPool<I, O> {
  private readonly idle: Worker[] = [];
  private readonly queue: Task<I, O>[] = [];
  private started = 0;

  constructor(private readonly file: URL, private readonly size: number) {}

  run(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      this.pump();
    });
  }

  /**
   * Starts the threads (all, or `threads` of them) now, before any task: they load their module while the caller does
   * other work, then idle (not keeping the process alive) until tasks come. A thread that
   * dies while idle is dropped.
   */
  warm(threads = this.size): void {
    while (this.started < Math.max(1, Math.min(threads, this.size))) {
      const w = new Worker(this.file);
      this.started++;
      const dead = (): void => {
        const i = this.idle.indexOf(w);
        if (i < 0) return;
        this.idle.splice(i, 1);
        this.started--;
      };
      w.once('error', dead).once('exit', dead);
      w.unref();
      this.idle.push(w);
    }
  }

  async close(): Promise<void> {
    const all = this.idle.splice(0);
    this.started -= all.length;
    await Promise.all(all.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.queue.length) {
      let w = this.idle.pop();
      if (!w && this.started < Math.max(1, this.size)) {
        w = new Worker(this.file);
        this.started++;
      }
      if (!w) return;
      this.dispatch(w, this.queue.shift()!);
    }
  }

  private dispatch(w: Worker, task: Task<I, O>): void {
    const done = (): void => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (m: Reply<O>): void => {
      done();
      if (m.ok) task.resolve(m.value);
      else task.reject(Object.assign(new Error(m.error.message), m.error));
      w.unref();
      this.idle.push(w);
      this.pump();
    };
    const onError = (err: Error): void => {
      done();
      this.started--;
      void w.terminate();
      task.reject(err);
      this.pump();
    };
    const onExit = (code: number): void => onError(new Error(`worker ${this.file.pathname} exited with code ${code}`));
    w.on('message', onMessage).on('error', onError).on('exit', onExit);
    w.ref();
    w.postMessage(task.input);
  }
}

/** In a worker module: answers each task posted by a WorkerPool with `fn`'s result. */
export function serveWorker<I, O>(fn: (input: I) => Promise<O>): void {
  if (isMainThread || !parentPort) throw new Error('serveWorker: not in a worker thread');
  const port = parentPort;
  port.on('message', (input: I) => {
    fn(input).then(
      (value) => port.postMessage({ ok: true, value } satisfies Reply<O>),
      (err: Error & { code?: string }) => port.postMessage({ ok: false, error: { message: err.message, name: err.name, code: err.code, stack: err.stack } } satisfies Reply<O>),
    );
  });
}
