// What cache-ctl starts from bin/run.js before its CLI loads (core's early.cts): for a `push`
// of store paths, the `nix path-info` of their closure, the first thing the push waits for,
// and a thread of core's hashedFile, which compresses and hashes the NARs. CommonJS with only
// core's early module: it runs before anything else is loaded.
import { join } from 'node:path';
import { commandLine, startEarly, startEarlyWorker } from '@iwp/core/early';

const NIX_FLAGS = ['--extra-experimental-features', 'nix-command'];
/** a store path itself, as resolveInstallables passes it on unchanged (not a .drv, which it realises) */
const TOP_STORE_PATH = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-[^/]+$/;

/** `nix` arguments for the path infos of `paths`, with `closure` of everything they reference (localstore.ts). */
export function pathInfoArgs(paths: readonly string[], closure: boolean): string[] {
  return ['path-info', ...NIX_FLAGS, '--json', ...(closure ? ['--recursive'] : []), ...paths];
}

/** Starts what `argv` will need first, when it is a push of store paths named on the command line. */
export function startEarlyWork(root: string, argv: readonly string[]): void {
  const line = commandLine(root, argv);
  if (line?.id !== 'push') return;
  const paths = [...new Set(line.args)];
  if (paths.length === 0 || !paths.every((p) => TOP_STORE_PATH.test(p) && !p.endsWith('.drv'))) return;
  startEarly('nix', pathInfoArgs(paths, true));
  startEarlyWorker(join(require.resolve('@iwp/core/early'), '..', 'pipe-worker.js'));
}
