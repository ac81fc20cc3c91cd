import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { DocumentOf, Kind } from './documents.js';
import { ErrorCode, IwpError } from './errors.js';
import { validateDocument } from './validate.js';

export interface ReadDocumentOptions<K extends Kind> {
  /** kinds this tool understands */
  accept: readonly K[];
  /** `--input FILE` (`-` means stdin) */
  inputFile?: string | undefined;
  /** defaults to process.stdin */
  stdin?: Readable & { isTTY?: boolean };
  /** when false (default) no stdin and no file gives undefined; when true it is an error */
  required?: boolean;
}

export async function readStream(stream: Readable): Promise<string> {
  return (await readStreamBytes(stream)).toString('utf8');
}

/** Everything a stream gives, as bytes. */
export async function readStreamBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}

/** Parses JSON, turning a syntax error into a bad-input error that says where. */
export function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new IwpError(ErrorCode.BAD_DOCUMENT, `${source}: malformed JSON: ${msg}`, { details: { field: source } });
  }
}

/**
 * Reads the document a previous tool piped in: from `--input FILE`, or from stdin when stdin
 * is not a TTY. Validates it against the accepted kinds. Returns undefined when there is
 * no input (stdin is a TTY or empty) and it is not required.
 */
export async function readDocument<K extends Kind>(opts: ReadDocumentOptions<K>): Promise<DocumentOf<K> | undefined> {
  const stdin = opts.stdin ?? process.stdin;
  let text: string | undefined;
  let source = 'stdin';
  if (opts.inputFile && opts.inputFile !== '-') {
    source = `--input ${opts.inputFile}`;
    try {
      text = await readFile(opts.inputFile, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new IwpError(ErrorCode.FILE_NOT_FOUND, `--input: cannot read ${opts.inputFile}: ${code === 'ENOENT' ? 'no such file' : code}`, {
        details: { field: '--input', path: opts.inputFile },
      });
    }
  } else if (opts.inputFile === '-' || !stdin.isTTY) {
    text = await readStream(stdin);
  }
  if (text === undefined || text.trim() === '') {
    if (opts.required) {
      throw new IwpError(ErrorCode.BAD_INPUT, `${source}: expected a ${opts.accept.join(' or ')} document (pipe one in or pass --input FILE)`);
    }
    return undefined;
  }
  return validateDocument(parseJson(text, source), opts.accept, source);
}
