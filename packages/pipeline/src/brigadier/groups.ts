import type { Runnable } from './types.js';

abstract class Group {
  protected runnables: Runnable[];

  protected constructor(...runnables: Runnable[]) {
    this.runnables = runnables;
  }

  public add(...runnables: Runnable[]): void {
    this.runnables.push(...runnables);
  }

  public length(): number {
    return this.runnables.length;
  }
}

/** Runs one runnable after another; the first failure stops the sequence and is rethrown. */
export class SerialGroup extends Group implements Runnable {
  public constructor(...runnables: Runnable[]) {
    super(...runnables);
  }

  public async run(): Promise<void> {
    for (const r of this.runnables) await r.run();
  }
}

/**
 * Starts every runnable at once. Unlike a bare Promise.all it waits for all of them to
 * finish before it rejects with the first failure, so every job's result is recorded.
 */
export class ConcurrentGroup extends Group implements Runnable {
  public constructor(...runnables: Runnable[]) {
    super(...runnables);
  }

  public async run(): Promise<void> {
    const results = await Promise.allSettled(this.runnables.map((r) => r.run()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
