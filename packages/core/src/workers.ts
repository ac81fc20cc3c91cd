import { isMainThread, parentPort, Worker } from 'node:worker_threads';

interface Task<I, O> {
  input: I;
  resolve: (o: O) => void;
  reject: (err: unknown) => void;
  /** set to 1 when the task is stopped while it runs (shared with its thread: see serveWorker) */
  stopped?: Int32Array;
}

/** What a task's function is told beside its input: whether the caller has stopped it. */
export interface TaskContext {
  /** true once the task's signal has aborted; a task that checks it between steps can end early (throw) */
  stopped(): boolean;
}

type Reply<O> = { id: number } & ({ ok: true; value: O } | { ok: false; error: { message: string; name?: string; code?: string; stack?: string } });

interface Thread<I, O> {
  w: Worker;
  /** tasks posted to it and not answered yet, by id */
  running: Map<number, Task<I, O>>;
}

/**
 * At most `size` worker threads running one module (which calls `serveWorker`), started on
 * first use and reused, each running up to `perThread` tasks at once (tasks that mostly wait
 * on child processes and files share a thread: each thread costs
 * ~30 ms of CPU to start); tasks wait for a free place. Idle threads do not keep the process
 * alive. Kept free of the rest of @iwp/core so a worker starts with only what it imports.
 */
export class WorkerPool<I, O> {
  private readonly threads: Thread<I, O>[] = [];
  private readonly queue: Task<I, O>[] = [];
  private nextId = 0;

  constructor(private readonly file: URL, private readonly size: number, private readonly perThread = 1) {}

  /**
   * Runs `input` on a thread. Once `signal` aborts, a task still queued is rejected with its
   * reason and never runs; a running one is told (TaskContext.stopped: a thread busy with
   * synchronous work cannot take a message, so the flag is shared memory) and settles as its
   * function does, early if it checks.
   */
  run(input: I, signal?: AbortSignal): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const task: Task<I, O> = { input, resolve, reject };
      const stop = (): void => {
        const queued = this.queue.indexOf(task);
        if (queued >= 0) {
          this.queue.splice(queued, 1);
          reject(signal!.reason);
        } else if (task.stopped) Atomics.store(task.stopped, 0, 1);
      };
      signal?.addEventListener('abort', stop, { once: true });
      const done = (): void => signal?.removeEventListener('abort', stop);
      task.resolve = (o) => (done(), resolve(o));
      task.reject = (err) => (done(), reject(err));
      this.queue.push(task);
      this.pump();
    });
  }

  /**
   * Starts the threads (all, or `threads` of them) now, before any task: they load their
   * module while the caller does other work, then idle (not keeping the process alive) until
   * tasks come. A thread that dies while idle is dropped.
   */
  warm(threads = this.size): void {
    while (this.threads.length < Math.max(1, Math.min(threads, this.size))) this.start();
  }

  /** Takes threads already started on this pool's module (core's early.cts: startEarlyWorkers) as its own, up to its size. */
  adopt(workers: Worker[]): void {
    for (const w of workers) {
      if (this.threads.length < Math.max(1, this.size)) this.attach(w);
      else void w.terminate();
    }
    this.pump();
  }

  async close(): Promise<void> {
    const idle = this.threads.filter((t) => t.running.size === 0);
    for (const t of idle) this.threads.splice(this.threads.indexOf(t), 1);
    await Promise.all(idle.map((t) => t.w.terminate()));
  }

  private start(): Thread<I, O> {
    return this.attach(new Worker(this.file));
  }

  private attach(w: Worker): Thread<I, O> {
    const t: Thread<I, O> = { w, running: new Map() };
    this.threads.push(t);
    const fail = (err: Error): void => {
      const i = this.threads.indexOf(t);
      if (i < 0) return;
      this.threads.splice(i, 1);
      void t.w.terminate();
      const tasks = [...t.running.values()];
      t.running.clear();
      for (const task of tasks) task.reject(err);
      this.pump();
    };
    t.w.on('message', (m: Reply<O>) => {
      const task = t.running.get(m.id);
      if (!task) return;
      t.running.delete(m.id);
      if (t.running.size === 0) t.w.unref();
      if (m.ok) task.resolve(m.value);
      else task.reject(Object.assign(new Error(m.error.message), m.error));
      this.pump();
    });
    t.w.on('error', fail).on('exit', (code) => fail(new Error(`worker ${this.file.pathname} exited with code ${code}`)));
    t.w.unref();
    return t;
  }

  private pump(): void {
    while (this.queue.length) {
      // the least busy thread with room, else a new one while there may be more
      let t = this.threads.filter((x) => x.running.size < Math.max(1, this.perThread)).sort((a, b) => a.running.size - b.running.size)[0];
      if (!t && this.threads.length < Math.max(1, this.size)) t = this.start();
      if (!t) return;
      const task = this.queue.shift()!;
      const id = this.nextId++;
      task.stopped = new Int32Array(new SharedArrayBuffer(4));
      t.running.set(id, task);
      t.w.ref();
      t.w.postMessage({ id, input: task.input, stopped: task.stopped });
    }
  }
}

/**
 * In a worker module: answers each task posted by a WorkerPool with `fn`'s result (several at
 * once when the pool's `perThread` allows). `fn` may check `ctx.stopped()` between steps.
 */
export function serveWorker<I, O>(fn: (input: I, ctx: TaskContext) => Promise<O>): void {
  if (isMainThread || !parentPort) throw new Error('serveWorker: not in a worker thread');
  const port = parentPort;
  port.on('message', ({ id, input, stopped }: { id: number; input: I; stopped: Int32Array }) => {
    fn(input, { stopped: () => Atomics.load(stopped, 0) === 1 }).then(
      (value) => port.postMessage({ id, ok: true, value } satisfies Reply<O>),
      (err: Error & { code?: string }) => port.postMessage({ id, ok: false, error: { message: err.message, name: err.name, code: err.code, stack: err.stack } } satisfies Reply<O>),
    );
  });
}
