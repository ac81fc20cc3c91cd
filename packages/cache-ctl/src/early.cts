// What cache-ctl starts from bin/run.js before its CLI loads (core's early.cts): for a `push`
// of store paths, the `nix path-info` of their closure, the first thing the push waits for,
// and, into a directory store, the check of the closure's contents (`nix store verify`),
// which then runs on the core node's loading leaves idle (not for zstd, whose NARs are
// hashed as they are made). Into S3 the push checks only the
// paths it uploads, once the compressions leave a core free (push.ts).
// CommonJS with only core's early module: it runs before anything else is loaded.
import { existsSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { commandLine, startEarly, startEarlyWorkers } from '@iwp/core/early';

const NIX_FLAGS = ['--extra-experimental-features', 'nix-command'];
const TOP_STORE_PATH = /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-[^/]+$/;

/**
 * The store path resolveInstallables (localstore.ts) makes of an argument without running
 * nix: a store path, or a link into the store (`./result`), to its top; undefined for what
 * needs nix first (a `.drv` to realise, a `.nix` file to build) or is not in the store.
 */
function storePathOf(item: string): string | undefined {
  if (item.endsWith('.nix') || item.endsWith('.drv')) return undefined;
  let p = item;
  if (!item.startsWith('/nix/store/')) {
    try {
      p = realpathSync(item);
    } catch {
      return undefined;
    }
  }
  const top = p.split('/').slice(0, 4).join('/');
  return TOP_STORE_PATH.test(top) ? top : undefined;
}

/** `nix` arguments for the path infos of `paths`, with `closure` of everything they reference (localstore.ts). */
export function pathInfoArgs(paths: readonly string[], closure: boolean): string[] {
  return ['path-info', ...NIX_FLAGS, '--json', ...(closure ? ['--recursive'] : []), ...paths];
}

/**
 * `nix` arguments that check the contents of the closures of `paths` against the NAR hashes
 * the local store registered, signatures aside (local-verify.ts reads its output).
 */
export function verifyArgs(paths: readonly string[]): string[] {
  return ['store', 'verify', ...NIX_FLAGS, '--no-trust', '--recursive', ...paths];
}

/**
 * Starts what `argv` will need first, when it is a push of store paths (or links into the
 * store) named on the command line: their closure's path infos, and, when the cache is a
 * directory (`--to file://…`, or `IWP_CACHE`), the check of the closure.
 */
export function startEarlyWork(root: string, argv: readonly string[], env: NodeJS.ProcessEnv = process.env): void {
  const line = commandLine(root, argv);
  if (line?.id !== 'push') return;
  const paths = line.args.map(storePathOf);
  if (paths.length === 0 || !paths.every((p) => p !== undefined)) return;
  const tops = [...new Set(paths as string[])];
  startEarly('nix', pathInfoArgs(tops, true));
  const to = line.flags.to ?? env.IWP_CACHE;
  // zstd NARs are made on worker threads, which hash them on the way (nar-workers.ts): no
  // check of their own; the threads start now, and load while the bundle does
  const compression = line.flags.compression ?? 'zstd';
  if (narsInWorkers(root, compression, env)) startEarlyWorkers(narWorkerFile(root), availableParallelism());
  else if (typeof to === 'string' && to.startsWith('file://')) startEarly('nix', verifyArgs(tops));
}

/** The module of the worker threads that make zstd NARs (nar-workers.ts), under the package's root. */
export function narWorkerFile(root: string): string {
  return join(root, 'dist', 'nar-worker.js');
}

/**
 * Whether a push with `compression` makes its NARs on worker threads (nar-workers.ts) rather
 * than with nix copy (narstream.ts): for zstd, when zstd-napi's binding is built (an optional
 * dependency), unless `IWP_NAR_COMPRESSOR=nix`.
 */
export function narsInWorkers(root: string, compression: unknown, env: NodeJS.ProcessEnv): boolean {
  return compression === 'zstd' && env.IWP_NAR_COMPRESSOR !== 'nix' && zstdBindingBuilt(root);
}

const built = new Map<string, boolean>();
/** zstd-napi's native binding, resolved from the package at `root`, is there (pnpm install builds it). */
function zstdBindingBuilt(root: string): boolean {
  let b = built.get(root);
  if (b === undefined) {
    try {
      b = existsSync(join(dirname(require.resolve('zstd-napi/package.json', { paths: [root] })), 'build', 'Release', 'binding.node'));
    } catch {
      b = false;
    }
    built.set(root, b);
  }
  return b;
}
