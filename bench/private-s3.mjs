// A private instance of the test environment's S3 server (scripts/testenv.d/moto_server.py, in
// the moto venv scripts/testenv installs) for one bench: nothing else queues requests in front
// of its measures on the one-request-at-a-time emulator, and a fixture of many objects can be
// put in before it listens. It is stopped when the bench's process exits.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('../scripts/testenv.d/moto_server.py', import.meta.url));

/** The moto venv's python: IWP_MOTO_PYTHON (the env file), else where scripts/testenv installs it; undefined when there is none. */
export function motoPython() {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const python = process.env.IWP_MOTO_PYTHON ?? join(cache, 'iwp', 'testenv', `moto-${process.env.IWP_MOTO_VERSION ?? '5.2.5'}`, 'bin', 'python');
  return existsSync(python) ? python : undefined;
}

/** Starts the server on a free loopback port, with `fixture` (moto_server.py's JSON of objects) put in first if given; resolves with its endpoint once it answers. */
export async function privateS3(python, fixture) {
  const port = await new Promise((resolve, reject) => {
    const l = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const p = l.address().port;
      l.close(() => resolve(p));
    });
  });
  // in a session of its own, as scripts/testenv starts the shared one (lib.sh, start_bg):
  // the kernel's autogroups then share the CPU between it and the bench's process tree, as S3
  // runs on machines of its own, rather than thread by thread with the threads of a push.
  // Objects stay in its memory: moto writes an object over 5 MB to a temp file of this
  // machine's disk (SpooledTemporaryFile), which S3 never does. Pushes of large NARs into it,
  // 8 alternated against the cache-ctl bench's peer: with the spill, the CLI's rounds took
  // 0.91-1.21 s and moto's CPU 0.51-0.81 s a push; in memory 0.81-0.86 s and 0.44-0.47 s.
  // The cache-ctl bench deletes each round's bucket once measured; remote-state's objects
  // (~1.3 GB) stay until its bench ends and the emulator with it.
  const env = { ...process.env, MOTO_S3_DEFAULT_KEY_BUFFER_SIZE: String(2 ** 30) };
  const child = spawn(python, [server, '127.0.0.1', String(port), ...(fixture ? [fixture] : [])], { stdio: 'ignore', detached: true, env });
  // the bench's process does not wait for it, and takes it along when it exits
  child.unref();
  process.once('exit', () => child.kill());
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300 && child.exitCode === null; i++) {
    if (await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false)) return endpoint;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`private S3 emulator (${python} ${server}) did not answer on ${endpoint}`);
}
