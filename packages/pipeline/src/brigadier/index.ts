/**
 * iwp's implementation of Brigade v2's `@brigadecore/brigadier` module. Scripts import it
 * under that name; the pipeline worker resolves the name to this file.
 */
export { EventRegistry, events, type EventHandler } from './events.js';
export { ConcurrentGroup, SerialGroup } from './groups.js';
export { Container, ImagePullPolicy, Job, JobHost } from './jobs.js';
export { Logger, logger } from './logger.js';
export type { Event, GitConfig, Project, Runnable, Worker } from './types.js';

/** Brigade v1's deprecated Group, kept for old scripts: runEach in order, runAll at once. */
export { Group } from './legacy.js';
