import type { Runnable } from './types.js';

/** @deprecated Brigade's old Group: use Job.sequence / Job.concurrent. */
export class Group {
  public static runAll(jobs: Runnable[]): Promise<void[]> {
    return new Group(jobs).runAll();
  }

  public static runEach(jobs: Runnable[]): Promise<void> {
    return new Group(jobs).runEach();
  }

  private readonly jobs: Runnable[];

  public constructor(jobs?: Runnable[]) {
    this.jobs = jobs ?? [];
  }

  public add(...jobs: Runnable[]): void {
    this.jobs.push(...jobs);
  }

  public length(): number {
    return this.jobs.length;
  }

  public async runEach(): Promise<void> {
    for (const j of this.jobs) await j.run();
  }

  public runAll(): Promise<void[]> {
    return Promise.all(this.jobs.map((j) => j.run()));
  }
}
