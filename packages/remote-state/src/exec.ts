import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { startHeartbeat, type Heartbeat } from '@iwp/core';
import { parseState, stateBytes } from './envelope.js';
import type { LockEntry } from './lock-backend.js';
import { acquireLock, releaseLock, renewLock } from './locks.js';
import { baseOf } from './layout.js';
import type { Stack } from './stack.js';

export interface ExecOptions {
  command: string[];
  reason?: string;
  ttlMs: number;
  waitMs: number;
  stealExpired?: boolean;
  raw?: boolean;
  /** heartbeat period (default a third of the TTL) */
  heartbeatMs?: number;
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

export interface ExecResult {
  exitCode: number;
  pushed: boolean;
  version: number | null;
  renewals: number;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Lock, pull into a temp file (`$REMOTE_STATE_FILE`), run the command, push the file if it
 * changed, unlock. The lease is renewed every third of its TTL while the command runs; a
 * signal is passed on to the command and the lock still released. The command's exit code
 * is returned; a state it changed is pushed even when it failed, as it records what was done.
 */
export async function execWithState(stack: Stack, opts: ExecOptions): Promise<ExecResult> {
  const log = opts.log ?? (() => undefined);
  await stack.mustExist();
  let held: LockEntry = await acquireLock(stack.locks, stack.name, {
    ttlMs: opts.ttlMs,
    waitMs: opts.waitMs,
    ...(opts.reason ? { reason: opts.reason } : {}),
    ...(opts.stealExpired ? { stealExpired: true } : {}),
    onWait: (h) => log(`waiting for the lock held by ${h.who}`, { holder: h.id }),
  });
  log(`locked ${stack.name}`, { id: held.info.id });
  const dir = await mkdtemp(join(tmpdir(), 'remote-state-'));
  let lost: unknown;
  let heartbeat: Heartbeat | undefined;
  try {
    const cur = await stack.current();
    const file = join(dir, opts.raw ? 'state' : 'state.json');
    const before = cur ? stateBytes(await stack.open(cur.env)) : undefined;
    if (before) await writeFile(file, before);

    heartbeat = startHeartbeat(
      async () => {
        held = await renewLock(stack.locks, held);
      },
      opts.heartbeatMs ?? Math.max(250, Math.floor(opts.ttlMs / 3)),
      (err) => log('lock lost while the command ran; its state will not be pushed', { error: (err as Error).message }),
    );
    const exitCode = await runForwardingSignals(opts.command, {
      REMOTE_STATE_FILE: file,
      REMOTE_STATE_STACK: stack.name,
      REMOTE_STATE_STORE: stack.store.url,
      REMOTE_STATE_VERSION: String(cur?.env.version ?? 0),
      REMOTE_STATE_LOCK_ID: held.info.id,
    });
    await heartbeat.stop();
    lost = heartbeat.failure();
    if (lost) throw lost;

    const after = await readFile(file).catch(() => undefined);
    if (!after || (before && after.equals(before))) return { exitCode, pushed: false, version: cur?.env.version ?? null, renewals: heartbeat.beats() };
    const parsed = parseState(after, opts.raw ?? false, '$REMOTE_STATE_FILE');
    const out = await stack.push(parsed, baseOf(cur), { lockId: held.info.id });
    log(`pushed version ${out.env.version}`, { version: out.env.version });
    return { exitCode, pushed: true, version: out.env.version, renewals: heartbeat.beats() };
  } finally {
    await heartbeat?.stop();
    await rm(dir, { recursive: true, force: true });
    if (!lost) {
      await releaseLock(stack.locks, stack.name, { id: held.info.id, token: held.token }).catch((err: unknown) => {
        log(`could not release the lock: ${(err as Error).message}`);
      });
    }
  }
}

/**
 * Runs the user's command on this terminal (stdio inherited, `env` added) and passes
 * SIGINT, SIGTERM and SIGHUP on to it; its exit code, 128 + N when signal N ended it.
 */
async function runForwardingSignals(command: string[], env: Record<string, string>): Promise<number> {
  const child = execa(command[0]!, command.slice(1), { stdio: 'inherit', reject: false, env });
  const forward = new Map<string, () => void>();
  try {
    for (const sig of SIGNALS) {
      const h = () => void child.kill(sig);
      forward.set(sig, h);
      process.on(sig, h);
    }
    const r = await child;
    return r.exitCode ?? (r.signal ? 128 + signalNumber(r.signal) : 1);
  } finally {
    for (const [sig, h] of forward) process.off(sig, h);
  }
}

function signalNumber(sig: string): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[sig] ?? 1;
}
