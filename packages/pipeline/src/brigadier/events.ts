import { normalizeSource } from '../event-source.js';
import { currentRuntime, requireRuntime, type Handler } from './runtime-slot.js';
import type { Event } from './types.js';

export type EventHandler = (event: Event) => void | string | Promise<void | string>;

/**
 * Handler registrations of a script (`events.on(source, type, handler)`), as in Brigade v2.
 * `process()` runs the handler of the event the pipeline was started with. Sources may be
 * given by their short names (`github` for `brigade.sh/github`).
 */
export class EventRegistry {
  protected handlers: { [key: string]: EventHandler } = {};

  constructor() {
    currentRuntime()?.addRegistry(this);
  }

  public on(eventSource: string, eventType: string, eventHandler: EventHandler): this {
    this.handlers[`${normalizeSource(eventSource)}:${eventType}`] = eventHandler;
    return this;
  }

  /** Runs the handler for the current event; resolves when it and its jobs are done. */
  public process(): Promise<void> {
    return requireRuntime('events.process()').dispatch(this);
  }

  /** `source:type`, then `source:*`; GitHub-style `type:action` also falls back to `type`. */
  public lookup(source: string, type: string): Handler | undefined {
    const colon = type.indexOf(':');
    const keys = [`${source}:${type}`, ...(colon > 0 ? [`${source}:${type.slice(0, colon)}`] : []), `${source}:*`];
    for (const key of keys) {
      const h = this.handlers[key];
      if (h) return h as unknown as Handler;
    }
    return undefined;
  }

  public registered(): string[] {
    return Object.keys(this.handlers);
  }
}

export const events = new EventRegistry();
