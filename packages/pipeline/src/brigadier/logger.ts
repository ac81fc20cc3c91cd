/**
 * `logger` of the Brigade script API (@brigadecore/brigadier's `logger.debug/info/warn/error`),
 * for pipeline scripts: a job-facing logger, not iwp's. It writes to the worker's stdout and
 * stderr as a script's own console does; the pipeline server reads those streams into the
 * run's script log (`script.log` events), masking secrets. The worker does not load
 * @iwp/core (start-up cost), and a script's lines must not be iwp's log format anyway.
 */
type Write = (message: string, ...meta: unknown[]) => void;

export class Logger {
  public debug(message: string, ...meta: unknown[]): Logger {
    return this.write(console.debug, message, meta);
  }

  public info(message: string, ...meta: unknown[]): Logger {
    return this.write(console.info, message, meta);
  }

  public warn(message: string, ...meta: unknown[]): Logger {
    return this.write(console.warn, message, meta);
  }

  public error(message: string, ...meta: unknown[]): Logger {
    return this.write(console.error, message, meta);
  }

  private write(to: Write, message: string, meta: unknown[]): Logger {
    to(message, ...meta);
    return this;
  }
}

export const logger = new Logger();
