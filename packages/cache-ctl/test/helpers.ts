import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash, randomUUID } from 'node:crypto';
import { cliJson as coreCliJson, cliRunner, tempDir as coreTempDir, testBucket } from '@iwp/core/testing';
import { execa, type Options } from 'execa';

export const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
export const needsNix = (!process.env.IWP_NIX_VERSION && 'nix not set up: start the test environment (scripts/testenv up)') || false;
export const needsS3 = (!process.env.AWS_ENDPOINT_URL && 'AWS_ENDPOINT_URL not set: start the test environment (scripts/testenv up)') || needsNix;

type T = { teardown(fn: () => unknown): void };

/** Runs the built `cache-ctl` (JSON output). */
export const cli = cliRunner(bin, { json: 'command' });
export const cliJson = (args: string[], opts: Options = {}) => coreCliJson(cli, args, opts);

/** Builds a fresh closure (a new nonce: new store paths); returns [top, ...closure]. */
export async function buildClosure(bigMiB = 0, t?: T): Promise<{ top: string; closure: string[] }> {
  const nonce = randomUUID();
  const r = await execa('nix-build', ['--no-out-link', fixture('closure.nix'), '--argstr', 'nonce', nonce, '--arg', 'bigMiB', String(bigMiB)]);
  const top = String(r.stdout).trim();
  const q = await execa('nix-store', ['--query', '--requisites', top]);
  const closure = String(q.stdout).split('\n').filter(Boolean).sort();
  t?.teardown(() => execa('nix-store', ['--delete', ...closure], { reject: false }));
  return { top, closure };
}

/** large.nix: `n` parts of `mib` MiB each (NARs over SMALL_NAR) and a top referencing them, deleted at teardown. */
export async function largeClosure(t: T, n: number, mib: number) {
  const r = await execa('nix-build', ['--no-out-link', fixture('large.nix'), '--argstr', 'nonce', randomUUID(), '--arg', 'n', String(n), '--arg', 'mib', String(mib)]);
  const top = String(r.stdout).trim();
  const closure = String((await execa('nix-store', ['--query', '--requisites', top])).stdout).split('\n').filter(Boolean).sort();
  t.teardown(() => execa('nix-store', ['--delete', ...closure], { reject: false }));
  return { top, closure, parts: closure.filter((p) => p !== top) };
}

/** sha256 of `nix-store --dump PATH` */
export async function dumpHash(path: string): Promise<string> {
  const r = await execa('nix-store', ['--dump', path], { encoding: 'buffer' });
  return createHash('sha256').update(r.stdout as Uint8Array).digest('hex');
}

/** Removes paths from the local store (they have no GC roots). */
export async function deleteLocal(paths: string[]): Promise<void> {
  await execa('nix-store', ['--delete', ...paths]);
}

export async function keyPair(t: T, dir: string, name = 'test-cache-1') {
  const k = await cliJson(['keygen', '--name', name, '--secret-key', join(dir, 'key.sec'), '--public-key', join(dir, 'key.pub')]);
  return { sec: join(dir, 'key.sec'), pub: String(k.publicKey) };
}

/** Starts `cache-ctl serve` on a free port; stops it at teardown. */
export async function serve(t: T, store: string): Promise<string> {
  const child = execa('node', [bin, 'serve', '--json', '--from', store, '--listen', '127.0.0.1:0'], { reject: false, stdin: 'ignore' });
  t.teardown(() => {
    child.kill('SIGTERM');
    return child;
  });
  let buf = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      try {
        resolve(String((JSON.parse(buf) as { url: string }).url));
      } catch {
        /* not all of it yet */
      }
    });
    void child.then((r) => reject(new Error(`serve exited ${r.exitCode}: ${String(r.stderr)}`)));
  });
}

export const nixOpts = (substituter: string, pub: string) => ['--option', 'substituters', substituter, '--option', 'trusted-public-keys', pub];

export const tempDir = (t: T, prefix = 'iwp-cache-ctl-') => coreTempDir(t, prefix);
export const bucket = (name = 'test') => testBucket(name);

/** A temp dir with a key pair and an initialised `file://` cache in `<dir>/<name>`. */
export async function fileCache(t: T, name = 'cache') {
  const dir = await tempDir(t);
  const key = await keyPair(t, dir);
  const path = join(dir, name);
  await execa('mkdir', ['-p', path]);
  await cliJson(['init', `file://${path}`]);
  return { dir, key, path, url: `file://${path}` };
}

/**
 * A `nix` on PATH that logs each call's arguments (`log`) and runs nix, and a `nix-store`
 * that logs its calls as `nix-store ARGS`; and a TMPDIR of the test's own (`tmp`), so what a
 * push leaves there can be seen; `copies` gives the logged `nix copy` calls.
 */
export async function loggedNix(t: T) {
  const shims = await tempDir(t, 'iwp-nix-log-');
  const log = join(shims, 'calls');
  for (const [name, prefix] of [['nix', ''], ['nix-store', 'nix-store ']] as const) {
    const real = (await execa('sh', ['-c', `command -v ${name}`])).stdout.trim();
    await writeFile(join(shims, name), `#!/bin/sh\necho "${prefix}$*" >> ${JSON.stringify(log)}\nexec ${JSON.stringify(real)} "$@"\n`);
    await chmod(join(shims, name), 0o755);
  }
  const tmp = await tempDir(t, 'iwp-tmpdir-');
  const env = { PATH: `${shims}:${process.env.PATH}`, TMPDIR: tmp };
  const copies = async () => (await readFile(log, 'utf8').catch(() => '')).split('\n').filter((l) => l.startsWith('copy '));
  return { env, tmp, log, copies };
}

/** The store paths among a logged call's arguments. */
export const storePathsOf = (call: string) => call.split(' ').filter((w) => w.startsWith('/nix/store/'));
