import { readFile } from 'node:fs/promises';
import { badInput, ErrorCode, IwpError } from '@iwp/core';

export interface SecretSources {
  /** files of secrets: a JSON object of strings, or KEY=VALUE lines (# comments) */
  files?: string[];
  /** names of environment variables whose values become secrets of the same name */
  envNames?: string[];
  env?: NodeJS.ProcessEnv;
}

/** Collects the project's secrets (`event.project.secrets`); later sources win. */
export async function loadSecrets(src: SecretSources): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of src.files ?? []) Object.assign(out, await readSecretsFile(file));
  const env = src.env ?? process.env;
  for (const name of src.envNames ?? []) {
    const value = env[name];
    if (value === undefined) throw badInput('--secret-env', `an environment variable named ${name}`, 'unset', { details: { name } });
    out[name] = value;
  }
  return out;
}

export async function readSecretsFile(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IwpError(ErrorCode.FILE_NOT_FOUND, `--secrets: cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : code}`, { details: { field: '--secrets', path: file } });
  }
  return parseSecrets(text, `--secrets ${file}`);
}

export function parseSecrets(text: string, field: string): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    let obj: unknown;
    try {
      obj = JSON.parse(trimmed);
    } catch (err) {
      // the parser's message may quote the text, which holds secrets: keep only the position
      const at = /position (\d+)/.exec((err as Error).message)?.[1];
      throw new IwpError(ErrorCode.BAD_INPUT, `${field}: malformed JSON${at ? ` at position ${at}` : ''}`, { details: { field } });
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
      // a value is never echoed in the error, only its key
      if (typeof v !== 'string') throw badInput(`${field}: ${k}`, 'a string value', typeof v);
      out[k] = v;
    }
    return out;
  }
  const out: Record<string, string> = {};
  trimmed.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw badInput(`${field}: line ${i + 1}`, 'KEY=VALUE');
    let value = m[2]!;
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[m[1]!] = value;
  });
  return out;
}
