import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import type { PipelineRun } from '@iwp/core';
import { sign } from '../src/server/signature.js';
import { bin, tempDir } from './helpers.js';

export const SECRET = 'hook-secret-5b1e0c2a';

export interface Server {
  url: string;
  runsDir: string;
  stateDir: string;
  post(path: string, body: string, headers?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }>;
  push(body: string, delivery: string, extra?: Record<string, string>): Promise<{ status: number; json: Record<string, unknown> }>;
  runIds(): Promise<string[]>;
  waitForRun(id: string, timeoutMs?: number): Promise<PipelineRun>;
  stderr(): string;
  stop(): Promise<void>;
  /** SIGKILL: the server dies without a chance to clean up */
  kill(): Promise<void>;
}

/** Starts `pipeline serve` (the built binary) on a free loopback port. */
export async function startServer(t: Tap.Test, script: string, args: string[] = [], dirs?: { runsDir: string; stateDir: string }, env: Record<string, string> = {}): Promise<Server> {
  const base = dirs ? undefined : await tempDir(t);
  const runsDir = dirs?.runsDir ?? join(base!, 'runs');
  const stateDir = dirs?.stateDir ?? join(base!, 'state');
  const secretFile = join(stateDir, '..', `secret-${Math.random().toString(36).slice(2)}`);
  await writeFile(secretFile, `${SECRET}\n`);
  // without tap's process-info hook (NODE_OPTIONS), which would add its variables to every
  // process the server spawns, jobs included: the server runs as it does in production
  const child = execa('env', ['-u', 'NODE_OPTIONS', 'node', bin, 'serve', '--listen', '127.0.0.1:0', '--script', script, '--secret-file', secretFile, '--runs-dir', runsDir, '--state-dir', stateDir, '--log-format', 'json', ...args], { reject: false, stdin: 'ignore', env });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /"event":"server\.listening".*?"url":"([^"]+)"/.exec(err);
      if (m) resolve(m[1]!);
    });
    void child.then((r) => reject(new Error(`serve exited ${r.exitCode}: ${err}`)));
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    child.kill('SIGTERM');
    await child;
  };
  t.teardown(stop);
  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const text = await res.text();
    return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    url,
    runsDir,
    stateDir,
    post,
    push: (body, delivery, extra = {}) =>
      post('/github', body, { 'x-github-event': 'push', 'x-github-delivery': delivery, 'x-hub-signature-256': sign(SECRET, body), ...extra }),
    runIds: async () => (await readdir(runsDir).catch(() => [] as string[])).filter((n) => /^\d{8}-/.test(n)).sort(),
    waitForRun: async (id: string, timeoutMs = 60_000) => {
      for (let i = 0; i < timeoutMs / 100; i++) {
        const run = await readFile(join(runsDir, id, 'run.json'), 'utf8').then((x) => JSON.parse(x) as PipelineRun, () => undefined);
        if (run && (run.status === 'succeeded' || run.status === 'failed')) return run;
        await sleep(100);
      }
      throw new Error(`run ${id} did not finish`);
    },
    stderr: () => err,
    stop,
    kill: async () => {
      stopped = true;
      child.kill('SIGKILL');
      await child;
    },
  };
}
