// Start-up of every tool (`packages/<tool>/bin/run.js`). Only node: built-ins here: this
// module is loaded before anything else, on every invocation. It is CommonJS (`.cts`), and so
// is bin/run.js (`bin/package.json`): answering `--version` or `--help` then never starts Node's
// ES module loader, which cost ~8 ms of the ~12 ms a tool took over `node -e 0`.
//
// scripts/build-cli.mjs writes `dist/.startup/` next to a tool's `dist/commands`: the tool and
// oclif bundled into one file (`cli.js`), oclif's manifest, and `startup.json` holding the
// version and the help texts oclif rendered for a pipe (80 columns, no colour), with the
// modification times of what they were built from. While those times still hold, `--version`
// and `--help` are answered from `startup.json` without loading oclif, and commands run from
// the bundle. When the bundle is missing or older than the last `tsc -b` (the tsbuildinfo of
// the tool or a workspace package it uses changed), oclif runs over `dist/commands` as
// before, so a build that skipped scripts/build-cli.mjs is never run stale.
// `IWP_STARTUP=oclif` forces that path (the tests compare both).
import { readFileSync, statSync, writeSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { join } from 'node:path';
import { isatty } from 'node:tty';
import { pathToFileURL } from 'node:url';

export interface StartupInfo {
  /** `package.json` name and version: oclif's userAgent starts with `${name}/${version}` */
  name: string;
  version: string;
  /** oclif's `--version` line where the help was rendered; the root help prints it too */
  userAgent: string;
  /** modification time (ms) of each input, relative to the tool's root, when the bundle was built */
  inputs: Record<string, number>;
  /** help text keyed by the exact arguments that print it (`""`, `"--help"`, `"build --help"`) */
  help: Record<string, string>;
}

export type Startup =
  | { kind: 'print'; text: string }
  | { kind: 'bundle'; url: string }
  | { kind: 'oclif' };

/** The tool's `dist/.startup/startup.json` when everything it was built from is unchanged. */
export function freshStartup(root: string): StartupInfo | undefined {
  let info: StartupInfo;
  try {
    info = JSON.parse(readFileSync(join(root, 'dist', '.startup', 'startup.json'), 'utf8')) as StartupInfo;
  } catch {
    return undefined;
  }
  for (const [rel, mtime] of Object.entries(info.inputs)) {
    const st = statSync(join(root, rel), { throwIfNoEntry: false });
    if (!st || st.mtimeMs !== mtime) return undefined;
  }
  return info;
}

/**
 * oclif's platform name (`Config.platform`): `wsl` inside WSL, else `os.platform()`. Unsure
 * cases return undefined so oclif itself answers.
 */
function oclifPlatform(): string | undefined {
  const p = platform();
  if (p !== 'linux') return p === 'darwin' ? p : undefined;
  if (release().toLowerCase().includes('microsoft')) return undefined;
  try {
    if (readFileSync('/proc/version', 'utf8').toLowerCase().includes('microsoft')) return undefined;
  } catch {
    // no /proc: not WSL
  }
  return p;
}

/** oclif's `--version` line (`Config.userAgent`). */
export function versionLine(info: Pick<StartupInfo, 'name' | 'version'>): string | undefined {
  const p = oclifPlatform();
  if (!p) return undefined;
  const a = arch() === 'ia32' ? 'x86' : arch();
  return `${info.name}/${info.version} ${p}-${a} node-${process.version}`;
}

/**
 * Pre-rendered help applies where oclif would render the same bytes: stdout not a terminal
 * (80 columns, no colour) and nothing in the environment changing width or colour.
 */
function plainHelpApplies(env: NodeJS.ProcessEnv): boolean {
  // isatty(1) is what process.stdout.isTTY reports, without creating the stream (~2 ms)
  return !isatty(1) && env.OCLIF_COLUMNS === undefined && env.FORCE_COLOR === undefined;
}

/**
 * What bin/run.js does with `argv` for the tool whose package directory is `root`: print the
 * version or the help and stop, run the bundled CLI, or run oclif over dist/commands. No side
 * effects (the tests call it).
 */
export function planStartup(root: string, argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Startup {
  if (env.IWP_STARTUP === 'oclif') return { kind: 'oclif' };
  const info = freshStartup(root);
  if (!info) return { kind: 'oclif' };
  const line = versionLine(info);
  let out: string | undefined;
  if (argv[0] === '--version') {
    if (line !== undefined) out = `${line}\n`;
  } else if (line === info.userAgent && plainHelpApplies(env)) {
    out = info.help[argv.join(' ')];
  }
  if (out !== undefined) return { kind: 'print', text: out };
  return { kind: 'bundle', url: pathToFileURL(join(root, 'dist', '.startup', 'cli.js')).href };
}

/**
 * `planStartup`, and the printing done: what is left for bin/run.js is the bundle or oclif.
 * Before the bundle loads, a tool with a `dist/early.cjs` starts there what the command
 * about to run waits for first (early.cts: cache-ctl's push, nix-image's build and plan).
 */
export function startup(root: string): Exclude<Startup, { kind: 'print' }> | { kind: 'done' } {
  const next = planStartup(root);
  if (next.kind === 'bundle') {
    const early = join(root, 'dist', 'early.cjs');
    if (statSync(early, { throwIfNoEntry: false })) (require(early) as { startEarlyWork(root: string, argv: string[]): void }).startEarlyWork(root, process.argv.slice(2));
  }
  if (next.kind !== 'print') return next;
  writeAll(next.text);
  return { kind: 'done' };
}

/** Writes synchronously, all of it (a pipe may take a part per call). */
function writeAll(text: string): void {
  let buf = Buffer.from(text);
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((err as NodeJS.ErrnoException).code === 'EPIPE') return;
      throw err;
    }
  }
}
