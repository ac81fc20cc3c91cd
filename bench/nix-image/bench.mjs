// Prints "name: value" lines and ratios against tar and skopeo run in the same process tree.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const bin = join(here, '../../packages/nix-image/bin/run.js');
const registry = process.env.IWP_REGISTRY;
if (!registry) throw new Error('IWP_REGISTRY not set: run through scripts/bench');
const dir = mkdtempSync(join(tmpdir(), 'iwp-bench-ni-'));
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;
const timed = (fn) => { const t = performance.now(); const out = fn(); return [performance.now() - t, out]; };
const sh = (cmd, args, env = {}) => {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const image = join(here, 'image.nix');
// new data each run: no registry repository and no blob cache (ours or skopeo's) has seen it
process.env.IWP_BENCH_NONCE = `${Date.now()}`;
try {
  // realise the closure once (not part of any measurement)
  const plan = JSON.parse(sh('node', [bin, 'plan', image, '--json']));
  const paths = plan.layers.flatMap((l) => l.storePaths);
  console.log(`closure: ${paths.length} paths, ${(plan.totalSize / 1e6).toFixed(0)} MB`);

  // (2) cold build vs tar | sha256sum of the same paths
  const [tarMs] = timed(() => execFileSync('sh', ['-c', `tar -cf - ${paths.join(' ')} 2>/dev/null | sha256sum`], { stdio: ['ignore', 'pipe', 'ignore'] }));
  for (const compression of ['gzip', 'zstd']) {
    const cache = join(dir, `cold-${compression}`);
    const [ms] = timed(() => sh('node', [bin, 'build', image, '--compression', compression, '--out', `oci-dir:${join(dir, `oci-${compression}`)}`, '--json'], { XDG_CACHE_HOME: cache }));
    console.log(`cold build (${compression}): ${secs(ms)} vs tar -c | sha256sum ${secs(tarMs)}: ratio ${(ms / tarMs).toFixed(2)}x (goal <= 1.3x)`);
  }

  // (3) push of the same image: nix-image push vs skopeo copy oci: docker:// (fresh repositories)
  const oci = join(dir, 'oci-gzip');
  // skopeo first (its blob-info cache has never seen this new data, so it uploads all), then
  // nix-image with an empty cache of blob locations (so it cannot mount from skopeo's
  // repository either): both upload everything
  const [skopeoMs] = timed(() => sh('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${oci}:latest`, `docker://${registry}/bench-skopeo-${Date.now().toString(36)}:v1`]));
  const [oursMs] = timed(() => sh('node', [bin, 'push', `oci-dir:${oci}`, `${registry}/bench-ours-${Date.now().toString(36)}:v1`, '--json'], { XDG_CACHE_HOME: join(dir, 'push-cache') }));
  console.log(`push ~${(plan.totalSize / 1e6).toFixed(0)} MB: nix-image ${secs(oursMs)} vs skopeo copy ${secs(skopeoMs)}: ratio ${(oursMs / skopeoMs).toFixed(2)}x (goal <= 1.0x)`);

  // (1) no-op rebuild + push: nothing changed, nothing rebuilt, nothing pushed
  const ref = `${registry}/bench-noop-${Date.now().toString(36)}:v1`;
  const env = { XDG_CACHE_HOME: join(dir, 'cold-gzip') };
  sh('node', [bin, 'build', image, '--push', ref, '--json'], env);
  const runs = [];
  let doc;
  for (let i = 0; i < 5; i++) {
    const [ms, out] = timed(() => sh('node', [bin, 'build', image, '--push', ref, '--json'], env));
    runs.push(ms);
    doc = JSON.parse(out);
  }
  const [nodeMs] = timed(() => sh('node', [bin, '--version']));
  runs.sort((a, b) => a - b);
  console.log(`no-op rebuild+push: median ${secs(runs[2])} (uploaded ${doc.push.uploaded}, ${doc.push.requests} requests; of which starting node and the CLI ${secs(nodeMs)}; goal < 0.5 s)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
