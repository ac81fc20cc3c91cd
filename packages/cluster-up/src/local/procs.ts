import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { processRuns, writeFileAtomic } from '@iwp/core';

/** A process of a local cluster, recorded as `<state>/pids/<name>.pid`. */
export interface ProcSpec {
  name: string;
  bin: string;
  args: string[];
  env?: Record<string, string>;
  /** a command the process is started through (nsenter, a cgroup joiner); it ends in an exec of `bin` */
  wrap?: string[];
}

/**
 * Starts a process detached in its own session so it outlives this CLI, stdout and stderr to
 * `<state>/logs/<name>.log`, and records its pid.
 */
export async function startDetached(stateDir: string, spec: ProcSpec): Promise<number> {
  await mkdir(join(stateDir, 'logs'), { recursive: true });
  await mkdir(join(stateDir, 'pids'), { recursive: true });
  // A daemon that outlives this CLI needs the log file itself as its stdout/stderr, not a
  // pipe through us: node's spawn hands the descriptor over directly.
  const fd = openSync(join(stateDir, 'logs', `${spec.name}.log`), 'a');
  let child;
  try {
    const [file, ...pre] = spec.wrap?.length ? [...spec.wrap, spec.bin] : [spec.bin];
    child = spawn(file!, [...pre, ...spec.args], { detached: true, stdio: ['ignore', fd, fd], env: spec.env ?? process.env });
  } finally {
    closeSync(fd);
  }
  child.on('error', () => undefined);
  child.unref();
  if (child.pid === undefined) throw new Error(`${spec.bin}: could not start`);
  await writeFileAtomic(join(stateDir, 'pids', `${spec.name}.pid`), `${child.pid}\n${spec.bin}\n`);
  if (spec.wrap?.length) {
    // until the wrapper has exec'd the program, the pid does not run `bin` yet: a liveness
    // check in between would take it for dead
    const deadline = Date.now() + 10_000;
    while (!(await isOurs(child.pid, spec.bin)) && child.exitCode === null && Date.now() < deadline) await sleep(10);
  }
  return child.pid;
}

interface Recorded {
  name: string;
  pid: number;
  bin: string;
}

async function recorded(stateDir: string): Promise<Recorded[]> {
  let files: string[];
  try {
    files = await readdir(join(stateDir, 'pids'));
  } catch {
    return [];
  }
  const out: Recorded[] = [];
  for (const f of files.filter((x) => x.endsWith('.pid'))) {
    const [pid, bin] = (await readFile(join(stateDir, 'pids', f), 'utf8')).split('\n');
    out.push({ name: f.slice(0, -4), pid: Number(pid), bin: bin ?? '' });
  }
  return out;
}

/** True when the pid is alive and still runs the recorded binary (pids get reused). */
export async function isOurs(pid: number, bin: string): Promise<boolean> {
  try {
    const argv0 = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')[0];
    return argv0 === bin && processRuns(pid);
  } catch {
    return false;
  }
}

/** Which recorded processes are alive, by name. */
export async function aliveProcesses(stateDir: string): Promise<Record<string, boolean>> {
  const out: Record<string, boolean> = {};
  for (const r of await recorded(stateDir)) out[r.name] = await isOurs(r.pid, r.bin);
  return out;
}

/**
 * Stops the recorded processes in the given order (unlisted ones last): SIGTERM, then
 * SIGKILL after `graceMs`. Only pids that still run the recorded binary are signalled.
 */
export async function stopAll(stateDir: string, order: string[], graceMs = 10_000): Promise<string[]> {
  const all = await recorded(stateDir);
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  all.sort((a, b) => rank(a.name) - rank(b.name));
  const stopped: string[] = [];
  for (const r of all) {
    if (await isOurs(r.pid, r.bin)) {
      process.kill(r.pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      while ((await isOurs(r.pid, r.bin)) && Date.now() < deadline) await sleep(100);
      if (await isOurs(r.pid, r.bin)) process.kill(r.pid, 'SIGKILL');
      while (await isOurs(r.pid, r.bin)) await sleep(50);
      stopped.push(r.name);
    }
    await rm(join(stateDir, 'pids', `${r.name}.pid`), { force: true });
  }
  return stopped;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
