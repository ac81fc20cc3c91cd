import { Flags } from '@oclif/core';
import { badInput, openStore, readStream } from '@iwp/core';
import { BinaryCache } from '../cache.js';
import { parsePublicKey, type PublicKey } from '../keys.js';
import { isStorePath } from '../narinfo.js';

export const storeFlag = Flags.string({
  description: 'the binary cache: s3://bucket[/prefix][?region=&endpoint=] or file:///dir [env: IWP_CACHE]',
  env: 'IWP_CACHE',
  helpValue: 'URL',
});

export function openCache(url: string | undefined, field: string): BinaryCache {
  if (!url) throw badInput(field, 'a binary cache URL (s3://bucket[/prefix] or file:///dir), or IWP_CACHE');
  return new BinaryCache(openStore(url, field));
}

export function trustedKeys(texts: string[] | undefined): PublicKey[] {
  return (texts ?? []).flatMap((t) => t.split(/\s+/).filter(Boolean)).map((k) => parsePublicKey(k, '--trusted-key'));
}

/**
 * Paths from the arguments, or from stdin when the only argument is `-` (or none is given
 * and stdin is piped): one per line, or an `Image` document (its `storePaths`).
 */
export async function pathsFromInput(args: string[]): Promise<string[]> {
  if (args.length > 0 && !(args.length === 1 && args[0] === '-')) return args;
  if (args.length === 0 && process.stdin.isTTY) throw badInput('PATHS', 'store paths as arguments, or - to read them from stdin');
  const text = (await readStream(process.stdin)).trim();
  if (text.startsWith('{')) {
    let d: { kind?: string; storePaths?: unknown };
    try {
      d = JSON.parse(text) as typeof d;
    } catch {
      throw badInput('stdin', 'store paths, one per line, or an Image document');
    }
    if (!Array.isArray(d.storePaths)) throw badInput('stdin', 'an Image document with storePaths', `kind ${String(d.kind)}`);
    return d.storePaths as string[];
  }
  const paths = text.split('\n').map((l) => l.trim()).filter(Boolean);
  const bad = paths.find((p) => !isStorePath(p.split('/').slice(0, 4).join('/')));
  if (bad) throw badInput('stdin', 'store paths, one per line', bad);
  return paths;
}
