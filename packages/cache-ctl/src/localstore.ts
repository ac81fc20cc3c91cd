import { realpath } from 'node:fs/promises';
import { ErrorCode, ExitCode, IwpError, lastLines, type Runner } from '@iwp/core';
import early from './early.cjs';
import { isStorePath, STORE_DIR } from './narinfo.js';
import { normalizeHash } from './nix32.js';

/** What the local nix store knows of a valid path (`nix path-info --json`). */
export interface PathInfo {
  path: string;
  /** `sha256:<nix32>` */
  narHash: string;
  narSize: number;
  references: string[];
  deriver?: string;
  ca?: string;
  sigs: string[];
}

/**
 * Store paths named by the user: store paths, symlinks into the store (`./result`),
 * derivations (realised) and `.nix` files (built with nix-build). NOT_FOUND (exit 4)
 * names a path the local store does not have.
 */
export async function resolveInstallables(run: Runner, items: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const item of items) {
    if (item.endsWith('.nix')) {
      const r = await run('nix-build', ['--no-out-link', item], { reject: false });
      if (r.exitCode !== 0) throw new IwpError(ErrorCode.FAILED, `nix-build ${item} failed: ${lastLines(r.stderr)}`);
      out.push(...r.stdout.split('\n').filter(Boolean));
      continue;
    }
    let p = item;
    if (!item.startsWith(`${STORE_DIR}/`)) p = await realpath(item).catch(() => item);
    const top = p.split('/').slice(0, 4).join('/');
    if (!isStorePath(top)) throw new IwpError(ErrorCode.BAD_INPUT, `PATHS: expected a store path, a link into the store or a .nix file, got ${item}`, { exitCode: ExitCode.BAD_INPUT });
    if (top.endsWith('.drv') && item.endsWith('.drv')) {
      const r = await run('nix-store', ['--realise', top], { reject: false });
      if (r.exitCode !== 0) throw new IwpError(ErrorCode.FAILED, `nix-store --realise ${top} failed: ${lastLines(r.stderr)}`);
      out.push(...r.stdout.split('\n').filter(Boolean));
    } else out.push(top);
  }
  return [...new Set(out)];
}

/** Path infos of `paths` and, with `closure`, everything they reference. */
export async function queryPathInfo(run: Runner, paths: string[], closure: boolean): Promise<PathInfo[]> {
  if (paths.length === 0) return [];
  // the same arguments bin/run.js starts early for a push (early.cts): runProcess adopts that run
  const r = await run('nix', early.pathInfoArgs(paths, closure), { reject: false });
  if (r.exitCode !== 0) {
    const err = r.stderr;
    const missing = /path '([^']+)' is not valid/.exec(err) ?? /don't know how to build these paths:\s*(\S+)/.exec(err);
    if (missing) {
      throw new IwpError(ErrorCode.NOT_FOUND, `${missing[1]} is not in the local nix store`, { hint: 'build or fetch it first (nix-store --realise)', details: { path: missing[1] } });
    }
    throw new IwpError(ErrorCode.FAILED, `nix path-info failed: ${lastLines(err)}`);
  }
  const raw = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
  return raw.map((o) => {
    if (o.valid === false) throw new IwpError(ErrorCode.NOT_FOUND, `${String(o.path)} is not in the local nix store`, { details: { path: o.path } });
    return {
      path: o.path as string,
      narHash: normalizeHash(o.narHash as string),
      narSize: o.narSize as number,
      references: (o.references as string[]) ?? [],
      ...(o.deriver ? { deriver: o.deriver as string } : {}),
      ...(o.ca ? { ca: o.ca as string } : {}),
      sigs: (o.signatures as string[]) ?? [],
    };
  });
}

/** Dependencies before dependents, so a reader never meets a narinfo whose references are missing. */
export function topoOrder(infos: PathInfo[]): PathInfo[][] {
  const byPath = new Map(infos.map((i) => [i.path, i]));
  const level = new Map<string, number>();
  const depth = (p: string, seen: Set<string>): number => {
    const known = level.get(p);
    if (known !== undefined) return known;
    if (seen.has(p)) return 0;
    seen.add(p);
    const refs = (byPath.get(p)?.references ?? []).filter((r) => r !== p && byPath.has(r));
    const d = refs.length ? 1 + Math.max(...refs.map((r) => depth(r, seen))) : 0;
    level.set(p, d);
    return d;
  };
  const levels: PathInfo[][] = [];
  for (const i of infos) (levels[depth(i.path, new Set())] ??= []).push(i);
  return levels.filter(Boolean);
}
