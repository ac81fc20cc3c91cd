import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { ErrorCode, IwpError } from '@iwp/core';
import type { EarlyResult } from '@iwp/core/early';
import { deferred, type Deferred } from './deferred.js';

/** Settles when a path's contents have been checked: rejects when they differ from the local store's NAR hash. */
export type Verdict = (path: string) => Promise<void>;

/** paths per `nix-store --verify-path` run, well inside the argument limit */
const BATCH = 1000;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * Checks that the store paths still hash to the NAR hash the local store registered for them,
 * as `nix-store --verify-path` does (nix reads and hashes each path in C++): one process for
 * up to 1000 paths, in the order given. Each path's verdict settles as soon as nix moves on
 * to the next path (`-v` names each one as it starts), so a narinfo waits for its own path's
 * check, not for the whole closure's. The check starts at once, or once `after` is fulfilled
 * (never, if it is rejected); with `early`, the check bin/run.js started before the CLI
 * loaded is adopted instead (adoptEarlyCheck).
 *
 * nix copy, which compresses the NARs (narstream.ts), does not compare the NAR hash with the
 * registered one; this does, before a narinfo is written.
 */
export function verifyLocalPaths(paths: string[], when: { early?: Promise<EarlyResult>; after?: Promise<unknown> } = {}): Verdict {
  if (when.early) return adoptEarlyCheck(paths, when.early);
  if (!when.after) return checkPaths(paths);
  const check = when.after.then(() => checkPaths(paths));
  check.catch(() => undefined); // a push that failed before: its narinfos are not written
  return (path) => check.then((verdict) => verdict(path));
}

const MODIFIED = /path '([^']+)' was modified! expected hash '([^']+)', got '([^']+)'/g;

/**
 * The verdicts of `nix store verify --no-trust --recursive` over the closures `paths` come
 * from (early.cts: started before the CLI loaded, on the core node's loading leaves idle),
 * all at once when it ends. A path it names as modified is rejected; when it ends cleanly
 * every other path passes; when it does not (an error, a signal), the paths it did not name
 * are checked again here (checkPaths), so a run that failed for any other reason never
 * passes a path it may not have read.
 */
function adoptEarlyCheck(paths: string[], early: Promise<EarlyResult>): Verdict {
  const verdicts = new Map(paths.map((p) => [p, deferred<void>()]));
  void early.then(
    (r) => {
      const modified = new Set<string>();
      for (const [, path, registered, got] of r.stderr.replace(ANSI, '').matchAll(MODIFIED)) {
        modified.add(path!);
        verdicts.get(path!)?.reject(changedError(path!, registered!, got!));
      }
      const rest = paths.filter((p) => !modified.has(p));
      if (r.exitCode === 0 && !r.error) for (const p of rest) verdicts.get(p)!.resolve();
      else follow(verdicts, rest, checkPaths(rest));
    },
    () => follow(verdicts, paths, checkPaths(paths)),
  );
  return (path) => verdicts.get(path)?.promise ?? Promise.reject(new Error(`verifyLocalPaths: ${path} was not checked`));
}

function follow(verdicts: Map<string, Deferred<void>>, paths: string[], verdict: Verdict): void {
  for (const p of paths) verdict(p).then(verdicts.get(p)!.resolve, verdicts.get(p)!.reject);
}

/** The paths' checks, in order, by `nix-store --verify-path -v` (see verifyLocalPaths). */
function checkPaths(paths: string[]): Verdict {
  const verdicts = new Map(paths.map((p) => [p, deferred<void>()]));
  const batches = Array.from({ length: Math.ceil(paths.length / BATCH) }, (_, i) => paths.slice(i * BATCH, (i + 1) * BATCH));
  const failAll = (err: unknown) => {
    for (const v of verdicts.values()) v.reject(new IwpError(ErrorCode.FAILED, `checking the local store: ${(err as Error).message}`, { cause: err }));
  };
  // a settled verdict stays as it is: failAll only reaches the paths not checked yet
  void batches.reduce<Promise<void>>((prev, batch) => prev.then(() => verifyBatch(batch, verdicts)), Promise.resolve()).catch(failAll);
  return (path) => verdicts.get(path)?.promise ?? Promise.reject(new Error(`verifyLocalPaths: ${path} was not checked`));
}

async function verifyBatch(batch: string[], verdicts: Map<string, Deferred<void>>): Promise<void> {
  const child = execa('nix-store', ['--verify-path', '-v', ...batch], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' });
  let current: string | undefined;
  let errors: string[] = []; // error lines since `current` began
  const finish = (path: string | undefined, failure: string | undefined) => {
    if (path === undefined) return;
    if (failure) verdicts.get(path)?.reject(new IwpError(ErrorCode.FAILED, `checking ${path} in the local store: ${failure}`));
    else verdicts.get(path)?.resolve();
  };
  for await (const raw of createInterface({ input: child.stderr!, crlfDelay: Infinity })) {
    const line = raw.replace(ANSI, '');
    const start = /^checking path '([^']+)'\.\.\.$/.exec(line);
    const modified = /path '([^']+)' was modified! expected hash '([^']+)', got '([^']+)'/.exec(line);
    if (start) {
      finish(current, errors.join('; ') || undefined);
      [current, errors] = [start[1], []];
    } else if (modified) {
      verdicts.get(modified[1]!)?.reject(changedError(modified[1]!, modified[2]!, modified[3]!));
    } else if (/^error\b/.test(line)) errors.push(line);
  }
  const { exitCode, signal } = await child;
  const failed = errors.join('; ') || (exitCode === 0 || exitCode === 1 ? undefined : `nix-store --verify-path ended (${signal ?? `exit ${exitCode}`})`);
  finish(current, failed);
  // paths nix never reached (it stopped on an error): not checked, so not pushed
  const reached = current === undefined ? 0 : batch.indexOf(current) + 1;
  for (const p of batch.slice(reached)) verdicts.get(p)?.reject(new IwpError(ErrorCode.FAILED, `${p} could not be checked in the local store: ${failed ?? `nix-store --verify-path stopped before it (exit ${exitCode})`}`));
}

/** A path whose contents no longer hash to what the local store registered. */
export function changedError(path: string, registered: string, got: string): IwpError {
  return new IwpError(ErrorCode.FAILED, `${path} changed in the local store: its NAR hashes to ${got}, the store says ${registered}`, {
    hint: 'nix-store --verify --check-contents --repair',
  });
}
