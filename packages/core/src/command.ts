import { Command, Errors, Flags, type Interfaces } from '@oclif/core';
import { API_VERSION, type ErrorDocument } from './documents.js';
import { ErrorCode, ExitCode, IwpError, toIwpError } from './errors.js';
import { Logger, type LogFormat } from './log.js';
import { outliveReaders, printResult, renderText } from './output.js';

// iwp targets Node 20; the AWS SDK's notice about its future Node 22 requirement is not
// something a user of our tools can act on, so it stays off stderr unless asked for.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>;
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>;

/** `--input FILE` for commands that read a document another tool printed. */
export const inputFlag = {
  input: Flags.string({
    char: 'i',
    description: 'read the input document from FILE (- for stdin) instead of stdin',
    helpValue: 'FILE',
  }),
};

/**
 * The base of every iwp command. A subclass declares flags and args and implements
 * `execute()`, returning its result document; printing, logging set-up, error documents
 * and exit codes are handled here so every tool behaves the same.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    json: Flags.boolean({
      description: 'print the result as JSON (the default when stdout is not a terminal)',
      helpGroup: 'GLOBAL',
    }),
    quiet: Flags.boolean({ char: 'q', description: 'print no progress or logs, only errors', helpGroup: 'GLOBAL' }),
    'log-format': Flags.option({
      options: ['text', 'json'] as const,
      default: 'text' as const,
      description: 'logs and progress on stderr as text, or as NDJSON events',
      helpGroup: 'GLOBAL',
    })(),
  };

  protected flags!: BaseFlags<T>;
  protected args!: BaseArgs<T>;
  /** every positional argument, for commands with `strict = false` (variadic paths) */
  protected positional: string[] = [];
  protected logger!: Logger;

  /** The work of the command; returns the result document (undefined prints nothing). */
  protected abstract execute(): Promise<unknown>;

  /** Readable rendering of the result on a TTY; override for tables. */
  protected renderText(result: unknown): string {
    return renderText(result);
  }

  public override async init(): Promise<void> {
    outliveReaders();
    await super.init();
    const ctor = this.ctor as typeof BaseCommand & typeof Command;
    const { args, flags, argv } = await this.parse({
      flags: ctor.flags,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      // oclif would read a missing argument from stdin; stdin carries documents here.
      args: Object.fromEntries(Object.entries(ctor.args ?? {}).map(([k, a]) => [k, { ...a, ignoreStdin: true }])),
      strict: ctor.strict,
    });
    this.flags = flags as BaseFlags<T>;
    this.args = args as BaseArgs<T>;
    this.positional = argv.map(String);
    const f = this.flags as { quiet?: boolean; 'log-format'?: LogFormat };
    this.logger = new Logger({ format: f['log-format'] ?? 'text', quiet: f.quiet ?? false, tool: this.config.bin });
  }

  public async run(): Promise<unknown> {
    const result = await this.execute();
    if (result !== undefined) this.print(result);
    return result;
  }

  protected print(result: unknown, json?: boolean): void {
    printResult(result, { json: json || (this.flags as { json?: boolean }).json, text: (v) => this.renderText(v) });
  }

  protected override async catch(err: Error & { exitCode?: number }): Promise<unknown> {
    if (err instanceof Errors.ExitError) throw err;
    const e = fromOclif(err);
    const json = (this.flags as { json?: boolean } | undefined)?.json ?? this.argv.includes('--json');
    const bin = this.config?.bin ?? 'iwp';
    process.stderr.write(`${bin}: error: ${e.message}${e.hint ? `\n${bin}: hint: ${e.hint}` : ''}\n`);
    if (process.env.IWP_DEBUG && e.cause instanceof Error && e.cause.stack) process.stderr.write(`${e.cause.stack}\n`);
    if (json) {
      const doc: ErrorDocument = {
        apiVersion: API_VERSION,
        kind: 'Error',
        code: e.code,
        message: e.message,
        ...(e.hint ? { hint: e.hint } : {}),
        ...(e.details ? { details: e.details } : {}),
      };
      process.stdout.write(`${JSON.stringify(doc)}\n`);
    }
    throw new Errors.ExitError(e.exitCode);
  }
}

/** oclif's own parse errors (unknown flag, missing arg, bad option) are bad input. */
function fromOclif(err: Error & { oclif?: { exit?: number } }): IwpError {
  if (err instanceof IwpError || (err as { name?: string }).name === 'IwpError') return err as IwpError;
  const isParse = err instanceof Errors.CLIError && (err.oclif?.exit === 2 || /flag|argument|expected/i.test(err.message));
  if (isParse) {
    // oclif's messages span lines ("Parsing --count\n\tExpected an integer ..."): make them one.
    const line = err.message
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !/^See more help/i.test(l))
      .join(': ')
      .replace(/^Parsing (--[\w-]+): /, '$1: ');
    return new IwpError(ErrorCode.BAD_INPUT, line, { exitCode: ExitCode.BAD_INPUT });
  }
  return toIwpError(err);
}
