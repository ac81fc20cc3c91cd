import type { ListrTask } from 'listr2';
import type { Logger } from './log.js';

export interface Step<C> {
  title: string;
  run: (ctx: C, report: (output: string) => void) => Promise<void> | void;
  skip?: (ctx: C) => boolean | string;
}

/**
 * Runs steps with progress on stderr: listr2's live renderer on a TTY, plain lines when
 * stderr is not a TTY (CI), NDJSON `step.*` events with `--log-format json`, nothing with
 * `--quiet`. Steps run in order; the first failure stops the run and is rethrown.
 */
export async function runSteps<C extends object>(steps: Step<C>[], ctx: C, logger: Logger): Promise<C> {
  if (logger.format === 'json' || logger.quiet || !process.stderr.isTTY) {
    for (const step of steps) {
      const skipped = step.skip?.(ctx);
      if (skipped) {
        logger.event('step.skipped', { step: step.title, ...(typeof skipped === 'string' ? { reason: skipped } : {}) }, `- ${step.title} (skipped)`);
        continue;
      }
      const started = Date.now();
      logger.event('step.started', { step: step.title }, `> ${step.title}`);
      try {
        await step.run(ctx, (output) => logger.event('step.output', { step: step.title, output }, `  ${output}`));
      } catch (err) {
        logger.event('step.failed', { step: step.title, ms: Date.now() - started }, `x ${step.title}`);
        throw err;
      }
      logger.event('step.done', { step: step.title, ms: Date.now() - started }, `✓ ${step.title} (${Date.now() - started} ms)`);
    }
    return ctx;
  }
  const tasks: ListrTask<C>[] = steps.map((step) => ({
    title: step.title,
    skip: step.skip ? (c: C) => step.skip!(c) : undefined,
    task: async (c, task) => step.run(c, (output) => { task.output = output; }),
  }));
  // loaded only for the live renderer: pipes, CI and --quiet never pay for listr2
  const { Listr } = await import('listr2');
  const listr = new Listr<C>(tasks, {
    ctx,
    exitOnError: true,
    renderer: 'default',
    rendererOptions: { collapseErrors: false },
    fallbackRenderer: 'simple',
    // listr2 writes to stdout unless told otherwise; stdout is reserved for results.
    registerSignalListeners: false,
  });
  return listr.run();
}
