// What nix-image starts from bin/run.js before its CLI loads (core's early.cts): for `build`
// or `plan` of one image description, the `nix-instantiate --eval` of its spec, the first
// thing both wait for (~30 ms, a no-op build's only nix call besides `nix path-info`).
// CommonJS with only core's early module: it runs before anything else is loaded.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { commandLine, startEarly } from '@iwp/core/early';

/** The expression of an image description (a file, or a directory's default.nix), called with its defaults when a function, `attr` selected. */
export function specExpr(path: string, attr?: string): string {
  const select = attr ? `.${attr.split('.').map((a) => JSON.stringify(a)).join('.')}` : '';
  return `let f = import ${JSON.stringify(path)}; v = if builtins.isFunction f then f { } else f; in v${select}`;
}

/** `nix-instantiate` arguments that evaluate the spec of `expr` (spec.ts), without its derivations. */
export function specArgs(expr: string, nixArgs: readonly string[]): string[] {
  const json = `let s = ${expr}; in if builtins.isAttrs s then builtins.removeAttrs s [ "drvs" ] else s`;
  return ['--eval', '--strict', '--json', ...nixArgs, '--expr', json];
}

/** Starts the spec's evaluation when `argv` builds or plans one image description for this system. */
export function startEarlyWork(root: string, argv: readonly string[]): void {
  const line = commandLine(root, argv);
  if ((line?.id !== 'build' && line?.id !== 'plan') || line.args.length !== 1 || line.flags.system !== undefined) return;
  const path = resolve(line.args[0]!);
  if (!existsSync(path)) return;
  const attr = typeof line.flags.attr === 'string' ? line.flags.attr : undefined;
  startEarly('nix-instantiate', specArgs(specExpr(path, attr), []));
}
