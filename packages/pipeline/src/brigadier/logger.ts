/* The script's logger: lines go to the run's script log, with secrets masked by the runner. */
export class Logger {
  public debug(message: string, ...meta: unknown[]): Logger {
    console.debug(message, ...meta);
    return this;
  }

  public info(message: string, ...meta: unknown[]): Logger {
    console.info(message, ...meta);
    return this;
  }

  public warn(message: string, ...meta: unknown[]): Logger {
    console.warn(message, ...meta);
    return this;
  }

  public error(message: string, ...meta: unknown[]): Logger {
    console.error(message, ...meta);
    return this;
  }
}

export const logger = new Logger();
