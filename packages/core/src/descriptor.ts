import { readFile } from 'node:fs/promises';
import { ErrorCode, IwpError } from './errors.js';
import { parseJson } from './input.js';
import type { Runner } from './runner.js';

/**
 * Reads a descriptor file: a `.nix` file evaluated with `nix-instantiate --eval --strict
 * --json` (so descriptors are Nix, never YAML), or its JSON. A Nix evaluation error becomes
 * bad input naming the file; `marker` is the prefix descriptors use in their own `throw`s
 * ("environment descriptor:"), which is cut so the message reads as the field's error.
 */
export async function readDescriptor(run: Runner, path: string, marker: string): Promise<unknown> {
  const source = `-f ${path}`;
  if (path.endsWith('.nix')) {
    const r = await run('nix-instantiate', ['--eval', '--strict', '--json', path], { reject: false });
    if (r.exitCode !== 0) {
      const lines = r.stderr.split('\n').map((l) => l.trim());
      const msg = lines.find((l) => l.includes(marker)) ?? lines.filter((l) => l.startsWith('error:')).pop() ?? r.stderr.trim();
      const code = /does not exist|No such file/.test(msg) ? ErrorCode.FILE_NOT_FOUND : ErrorCode.BAD_INPUT;
      throw new IwpError(code, `${source}: ${msg.replace(/^error:\s*/, '').replace(new RegExp(`^.*${marker}\\s*`), '')}`);
    }
    return parseJson(r.stdout, source);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new IwpError(ErrorCode.FILE_NOT_FOUND, `${source}: no such file`);
  }
  return parseJson(text, source);
}
