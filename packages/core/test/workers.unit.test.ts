import t from 'tap';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId } from 'node:worker_threads';
import earlyModule from '../src/early.cjs';
import { WorkerPool } from '../src/workers.js';

// worker modules written for the test, serving tasks with core's built serveWorker
const workers = new URL('../dist/workers.js', import.meta.url).href;

async function module(t: { teardown(fn: () => unknown): void }, body: string): Promise<URL> {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-workers-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'worker.mjs');
  await writeFile(file, `import { serveWorker } from ${JSON.stringify(workers)};\n${body}\n`);
  return pathToFileURL(file);
}

t.test('WorkerPool.warm: threads started before any task answer the tasks', async (t) => {
  const pool = new WorkerPool<number, number>(await module(t, 'serveWorker(async (n) => n * 2);'), 2);
  t.teardown(() => pool.close());
  pool.warm();
  pool.warm(); // no more than `size` threads
  t.same(await Promise.all([1, 2, 3, 4, 5].map((n) => pool.run(n))), [2, 4, 6, 8, 10]);
});

t.test('WorkerPool.warm: a thread that fails to load fails the task, never hangs it', async (t) => {
  const pool = new WorkerPool<number, number>(await module(t, 'throw new Error("broken worker module");'), 1);
  t.teardown(() => pool.close());
  pool.warm();
  await t.rejects(pool.run(1), /broken worker module|exited/);
});

t.test('WorkerPool perThread: a thread runs that many tasks at once before another starts', async (t) => {
  const body = `import { threadId } from 'node:worker_threads';
let running = 0, peak = 0;
serveWorker(async () => { running++; peak = Math.max(peak, running); await new Promise((r) => setTimeout(r, 100)); running--; return { threadId, peak }; });`;
  const shared = new WorkerPool<number, { threadId: number; peak: number }>(await module(t, body), 2, 4);
  t.teardown(() => shared.close());
  const four = await Promise.all([1, 2, 3, 4].map((n) => shared.run(n)));
  t.equal(new Set(four.map((r) => r.threadId)).size, 1, 'four tasks, one thread');
  t.equal(Math.max(...four.map((r) => r.peak)), 4, 'all four ran at once in it');
  const six = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => shared.run(n)));
  t.equal(new Set(six.map((r) => r.threadId)).size, 2, 'six tasks: a second thread started');

  const single = new WorkerPool<number, { threadId: number; peak: number }>(await module(t, body), 2);
  t.teardown(() => single.close());
  const two = await Promise.all([1, 2].map((n) => single.run(n)));
  t.equal(new Set(two.map((r) => r.threadId)).size, 2, 'one task a thread by default');
  t.same(two.map((r) => r.peak), [1, 1]);
});

t.test('WorkerPool.adopt: threads started early (early.cts) answer the tasks, no more than the size of the pool; one whose module fails fails its task', async (t) => {
  const { startEarlyWorkers, takeEarlyWorkers } = earlyModule;
  const body = `import { threadId } from 'node:worker_threads';\nserveWorker(async (n) => ({ n: n * 2, threadId }));`;
  const file = await module(t, body);
  const path = fileURLToPath(file);
  startEarlyWorkers(path, 3);
  const early = takeEarlyWorkers(path);
  t.equal(early.length, 3, 'three started');
  t.same(takeEarlyWorkers(path), [], 'and taken once');
  const ids = new Set(early.map((w) => w.threadId));
  const pool = new WorkerPool<number, { n: number; threadId: number }>(file, 2);
  t.teardown(() => pool.close());
  pool.adopt(early);
  const out = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => pool.run(n)));
  t.same(out.map((o) => o.n), [2, 4, 6, 8, 10, 12]);
  t.ok(out.every((o) => ids.has(o.threadId) && o.threadId !== threadId), 'answered by the early threads');
  t.equal(new Set(out.map((o) => o.threadId)).size, 2, 'two of them: the pool keeps its size');

  // a thread whose module fails, adopted before or after it has died: the task fails, never hangs
  const broken = await module(t, 'throw new Error("broken worker module");');
  startEarlyWorkers(fileURLToPath(broken), 1);
  const dying = new WorkerPool<number, number>(broken, 1);
  t.teardown(() => dying.close());
  dying.adopt(takeEarlyWorkers(fileURLToPath(broken)));
  await t.rejects(dying.run(1), /broken worker module|exited/);
});

t.test('WorkerPool.run with a signal: a queued task stopped never runs; a running one is told, through memory it shares, while its thread is busy', async (t) => {
  const body = `const ran = [];
serveWorker(async (task, ctx) => {
  if (task.spin) {
    // synchronous work: the thread takes no message until it returns
    for (const end = Date.now() + task.spin; Date.now() < end; ) {
      if (ctx.stopped()) throw Object.assign(new Error('stopped under way'), { name: 'AbortError' });
    }
    return 'spun';
  }
  ran.push(task.n);
  return [...ran];
});`;
  const pool = new WorkerPool<{ spin?: number; n?: number }, string | number[]>(await module(t, body), 1);
  t.teardown(() => pool.close());
  const busy = new AbortController();
  const queued = new AbortController();
  const spinning = pool.run({ spin: 60_000 }, busy.signal);
  const waiting = pool.run({ n: 1 }, queued.signal);
  queued.abort(new Error('not wanted'));
  await t.rejects(waiting, /not wanted/, 'the queued task fails with the reason given');
  await new Promise((resolve) => setTimeout(resolve, 100)); // the spinning task has started
  busy.abort();
  await t.rejects(spinning, { name: 'AbortError', message: 'stopped under way' }, 'the running task saw it (it would spin for a minute)');
  t.same(await pool.run({ n: 2 }), [2], 'the thread serves the next task; the queued one never ran');
  const already = new AbortController();
  already.abort(new Error('stopped before'));
  await t.rejects(pool.run({ n: 3 }, already.signal), /stopped before/);
  t.same(await pool.run({ n: 4 }), [2, 4], 'nor one stopped before it was run');
});
