import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IwpError, ErrorCode, badInput, parseJson, type Runner } from '@iwp/core';
import early from './early.cjs';

/** What nix/lib/image.nix's mkImage evaluates to. */
export interface ImageSpec {
  name: string;
  tag: string;
  config: Record<string, unknown>;
  extraFiles: Record<string, string>;
  contents: { drv: string; out: string; name: string }[];
  /** how to build the contents: the expression and nix options it was evaluated with */
  source?: { expr: string; nixArgs: string[] };
}

/**
 * Evaluates an image description: a file or directory (`default.nix`), called with its
 * defaults when it is a function, optionally selecting `-A attr`.
 */
export async function evalSpec(run: Runner, target: string, attr?: string, system?: string): Promise<ImageSpec> {
  const path = resolve(target);
  if (!(await stat(path).then(() => true, () => false))) throw new IwpError(ErrorCode.FILE_NOT_FOUND, `image: ${target}: no such file or directory`);
  const expr = early.specExpr(path, attr);
  const nixArgs = system ? ['--option', 'system', system] : [];
  // the arguments bin/run.js starts early for a build or plan (early.cts): runProcess adopts that run
  const r = await run('nix-instantiate', early.specArgs(expr, nixArgs), { reject: false });
  if (r.exitCode !== 0) {
    const lines = r.stderr.split('\n').map((l) => l.trim());
    const msg = lines.find((l) => l.includes('mkImage:')) ?? lines.find((l) => l.startsWith('error:')) ?? r.stderr.trim();
    throw new IwpError(ErrorCode.BAD_INPUT, `${target}: ${msg.replace(/^error:\s*/, '').replace(/^.*mkImage:\s*/, '')}`);
  }
  const v = parseJson(r.stdout, target) as Partial<ImageSpec> & { kind?: string };
  if (v.kind !== 'ImageSpec') throw badInput(target, 'an expression made with mkImage (nix/lib/image.nix)', v.kind ?? typeof v);
  return { name: v.name!, tag: v.tag ?? 'latest', config: v.config ?? {}, extraFiles: v.extraFiles ?? {}, contents: v.contents ?? [], source: { expr, nixArgs } };
}

/** Builds (or substitutes) the contents; returns their output paths. */
export async function realise(run: Runner, spec: ImageSpec): Promise<string[]> {
  if (spec.contents.length === 0) return [];
  // evaluation does not write .drv files: nix-build instantiates and builds the contents
  if (spec.source) await run('nix-build', ['--no-out-link', ...spec.source.nixArgs, '--expr', `(${spec.source.expr}).drvs`]);
  else await run('nix-store', ['--realise', ...spec.contents.map((c) => c.drv)]);
  return spec.contents.map((c) => c.out);
}

export interface PathInfo {
  path: string;
  narSize: number;
  references: string[];
}

/** The closure of the given paths with each path's references, from the store. */
export async function closure(run: Runner, paths: string[]): Promise<PathInfo[]> {
  return (await validClosure(run, paths, true))!;
}

/** The closure, or undefined (`reject` false) when a path is not valid in the store. */
async function validClosure(run: Runner, paths: string[], reject: boolean): Promise<PathInfo[] | undefined> {
  if (paths.length === 0) return [];
  const r = await run('nix', ['--extra-experimental-features', 'nix-command', 'path-info', '--json', '--recursive', ...paths], { reject });
  if (r.exitCode !== 0) return undefined;
  const infos = JSON.parse(r.stdout) as { path: string; narSize: number; references?: string[] }[];
  return infos.map((i) => ({ path: i.path, narSize: i.narSize, references: (i.references ?? []).filter((x) => x !== i.path) }));
}

/**
 * The contents' output paths and their closure, building them first when they are not all
 * in the store yet. When they are (a rebuild of an unchanged image), the closure query is
 * the only nix call after the evaluation: a valid path is already realised, so `nix-build`
 * would do nothing but evaluate the description a second time.
 */
export async function realisedClosure(run: Runner, spec: ImageSpec): Promise<{ outs: string[]; infos: PathInfo[] }> {
  const outs = spec.contents.map((c) => c.out);
  const known = await validClosure(run, outs, false);
  if (known) return { outs, infos: known };
  await realise(run, spec);
  return { outs, infos: await closure(run, outs) };
}
