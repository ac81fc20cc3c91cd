// Work a tool starts from bin/run.js before its CLI has loaded, for the command it is about to
// run: the command's first program (cache-ctl push's `nix path-info`, nix-image build's
// `nix-instantiate --eval`) runs while node evaluates the bundle and oclif parses the command
// line (~60-80 ms), instead of after. The command adopts it when runProcess is asked for the
// same program with the same arguments. Nothing else changes: what is never adopted is
// wasted, never used wrongly (a wrong guess at the command line only costs a process that
// reads), and stopped when the process ends or the command drops it (dropEarly).
//
// CommonJS with only node: built-ins, like startup.cts, whose startup() runs a tool's
// dist/early.cjs (which uses this module) before the bundle loads. The runs live on
// globalThis, so this copy and the one bundled into the CLI share them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';

/** How an early program ended: output as text, as node gave it. */
export interface EarlyResult {
  stdout: string;
  stderr: string;
  /** null when a signal ended it or it never started */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** it could not start (ENOENT: no such program) */
  error?: NodeJS.ErrnoException;
}

interface EarlyRun {
  file: string;
  args: readonly string[];
  child: ChildProcess;
  result: Promise<EarlyResult>;
}

interface Registry {
  runs: EarlyRun[];
  /** the exit handler that stops runs never adopted is in place */
  reaping?: boolean;
  /** worker threads started early, by the path of their module, and whether each has exited */
  workers?: Map<string, Array<{ worker: Worker; exited: boolean }>>;
}

const KEY = Symbol.for('iwp.early');

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  g[KEY] ??= { runs: [] };
  return g[KEY];
}

const sameArgs = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Starts `file args` now (stdin /dev/null, output collected), for the command to adopt. It
 * does not keep the process alive unless adopted: a command that ends first (bad input) is
 * not held up by it.
 */
export function startEarly(file: string, args: readonly string[]): void {
  const child = spawn(file, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  const result = new Promise<EarlyResult>((resolve) => {
    child.on('error', (error: NodeJS.ErrnoException) => resolve({ stdout: '', stderr: '', exitCode: null, signal: null, error }));
    child.on('close', (exitCode, signal) => resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), exitCode, signal }));
  });
  hold(child, false);
  const reg = registry();
  reg.runs.push({ file, args: [...args], child, result });
  if (!reg.reaping) {
    // a run never adopted is stopped when the process ends, not left running after it
    reg.reaping = true;
    process.on('exit', () => {
      for (const run of registry().runs.splice(0)) run.child.kill();
    });
  }
}

/**
 * Starts `n` worker threads running the module at `file` (a path) now, for a WorkerPool to
 * adopt (takeEarlyWorkers): they load their module while the bundle does. They do not keep
 * the process alive, and one that fails before it is adopted is left out.
 */
export function startEarlyWorkers(file: string, n: number): void {
  // loaded here, not with this module, which every start of cache-ctl and nix-image loads (~1.5 ms)
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const list = Array.from({ length: n }, () => {
    const entry = { worker: new Worker(file), exited: false };
    entry.worker.unref();
    entry.worker.on('error', () => undefined).on('exit', () => (entry.exited = true));
    return entry;
  });
  (registry().workers ??= new Map()).set(file, list);
}

/** The worker threads started early for the module at `file` and still running (they are then the caller's). */
export function takeEarlyWorkers(file: string): Worker[] {
  const workers = registry().workers;
  const list = workers?.get(file) ?? [];
  workers?.delete(file);
  return list.filter((e) => !e.exited).map((e) => e.worker);
}

/** Stops an early run of exactly `file args` that is not wanted after all (SIGTERM); true if there was one. */
export function dropEarly(file: string, args: readonly string[]): boolean {
  const runs = registry().runs;
  const i = runs.findIndex((r) => r.file === file && sameArgs(r.args, args));
  if (i < 0) return false;
  const [run] = runs.splice(i, 1);
  run!.child.kill();
  return true;
}

/** The result of an early run of exactly `file args`, if one was started and not adopted yet (it is then the caller's). */
export function takeEarly(file: string, args: readonly string[]): Promise<EarlyResult> | undefined {
  const runs = registry().runs;
  const i = runs.findIndex((r) => r.file === file && sameArgs(r.args, args));
  if (i < 0) return undefined;
  const [run] = runs.splice(i, 1);
  hold(run!.child, true); // now awaited: it keeps the process alive until it ends
  return run!.result;
}

function hold(child: ChildProcess, on: boolean): void {
  for (const h of [child, child.stdout, child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null>) {
    if (on) h?.ref?.();
    else h?.unref?.();
  }
}

/** Flags of a command as oclif's manifest describes them. */
interface ManifestFlag {
  type: 'boolean' | 'option';
  char?: string;
  allowNo?: boolean;
  multiple?: boolean;
}

/** A command line as oclif will parse it: the command, its flags, its arguments. */
export interface CommandLine {
  id: string;
  flags: Record<string, string | boolean>;
  args: string[];
}

/**
 * `argv` read against the tool's oclif manifest (dist/.startup/oclif.manifest.json, written
 * with the bundle), as oclif will read it: undefined when there is no manifest, no such
 * command, a flag the command does not have, or anything this does not follow (combined
 * short flags); a guess for early work, not validation, which stays oclif's.
 */
export function commandLine(root: string, argv: readonly string[]): CommandLine | undefined {
  let commands: Record<string, { flags?: Record<string, ManifestFlag> }>;
  try {
    commands = (JSON.parse(readFileSync(join(root, 'dist', '.startup', 'oclif.manifest.json'), 'utf8')) as { commands: typeof commands }).commands;
  } catch {
    return undefined;
  }
  // the longest run of leading words that names a command (topics are separated by spaces)
  let n = 0;
  for (let i = 1; i <= argv.length; i++) if (commands[argv.slice(0, i).join(':')]) n = i;
  if (n === 0) return undefined;
  const id = argv.slice(0, n).join(':');
  const known = commands[id]!.flags ?? {};
  const byChar = new Map(Object.entries(known).flatMap(([name, f]) => (f.char ? [[f.char, name] as const] : [])));
  const line: CommandLine = { id, flags: {}, args: [] };
  for (let i = n; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      line.args.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-' || !a.startsWith('-')) {
      line.args.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const word = a.startsWith('--') ? a.slice(2, eq < 0 ? undefined : eq) : a.length === 2 ? byChar.get(a[1]!) : undefined;
    const negated = word?.startsWith('no-') && known[word.slice(3)]?.allowNo ? word.slice(3) : undefined;
    const name = negated ?? word;
    const flag = name === undefined ? undefined : known[name];
    if (!flag || !name || flag.multiple) return undefined;
    if (flag.type === 'boolean') {
      if (eq >= 0) return undefined;
      line.flags[name] = !negated;
    } else if (eq >= 0 && a.startsWith('--')) line.flags[name] = a.slice(eq + 1);
    else if (i + 1 < argv.length) line.flags[name] = argv[++i]!;
    else return undefined;
  }
  return line;
}
