/** A run event as the web UI streams it (server-sent events). */
export interface LiveEvent {
  event: string;
  fields: Record<string, unknown>;
}

type Listener = (e: LiveEvent) => void;

const MAX_BUFFERED = 5000;

/**
 * The events of runs in progress, kept in memory so a page opened mid-run gets what was
 * already logged before the lines that follow (backlog and subscription in one synchronous
 * step, so no line is lost or shown twice). A run is forgotten once it has finished: its
 * record and logs are then in the run store.
 */
export class LiveRuns {
  private readonly runs = new Map<string, { events: LiveEvent[]; listeners: Set<Listener> }>();

  publish(run: string, event: string, fields: Record<string, unknown>): void {
    let r = this.runs.get(run);
    if (!r) this.runs.set(run, (r = { events: [], listeners: new Set() }));
    const e = { event, fields };
    if (r.events.length < MAX_BUFFERED || event !== 'job.log') r.events.push(e);
    for (const l of r.listeners) l(e);
    if (event === 'run.finished' || event === 'run.error') this.runs.delete(run);
  }

  isLive(run: string): boolean {
    return this.runs.has(run);
  }

  /** the events so far, then each new one; returns the unsubscribe function */
  follow(run: string, listener: Listener): () => void {
    const r = this.runs.get(run);
    if (!r) return () => undefined;
    for (const e of r.events) listener(e);
    r.listeners.add(listener);
    return () => r.listeners.delete(listener);
  }
}
