import t, { type Test } from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { startFaultProxy } from '@iwp/core/testing';
import { helloworld, nixImage, root, tempDir, unique } from './helpers.js';

const registry = process.env.IWP_REGISTRY;
const skip = !registry && 'IWP_REGISTRY not set (scripts/testenv up)';
const ACCEPT = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

/** When the tag exists (asked of the registry itself, not the proxy), every blob it names exists too. */
async function noManifestWithoutBlobs(t: Test, repo: string): Promise<boolean> {
  const res = await fetch(`http://${registry}/v2/${repo}/manifests/v1`, { headers: { accept: ACCEPT } });
  if (res.status === 404) {
    t.pass('no manifest (nothing to check)');
    return false;
  }
  const m = (await res.json()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  for (const d of [m.config.digest, ...m.layers.map((l) => l.digest)]) {
    const h = await fetch(`http://${registry}/v2/${repo}/blobs/${d}`, { method: 'HEAD' });
    if (h.status !== 200) t.fail(`the manifest names ${d}, which the registry does not have`);
  }
  t.pass(`the manifest and its ${m.layers.length + 1} blobs are there`);
  return true;
}

t.test('build --push through a proxy that drops, fails and delays: completes or exits 1 naming the registry; never a manifest without its blobs', { skip, timeout: 300_000 }, async (t) => {
  const env = { XDG_CACHE_HOME: await tempDir(t) };
  const clean = JSON.parse((await nixImage(['build', helloworld, '--out', `oci-dir:${env.XDG_CACHE_HOME}/ref`], env)).stdout) as { digest: string };
  const proxy = await startFaultProxy(`http://${registry}`, {}, 5);
  t.teardown(() => proxy.close());
  for (const [i, rates] of [
    { error500: 0.08, slowDown: 0.08, dropRequest: 0.08, dropResponse: 0.08, delay: 0.08 },
    { error500: 0.08, slowDown: 0.08, dropRequest: 0.08, dropResponse: 0.08, delay: 0.08 },
    { error500: 0.45, dropRequest: 0.45 },
  ].entries()) {
    const repo = unique(`faults${i}`);
    proxy.plan({ rates, delayMs: 300 });
    const r = await nixImage(['build', helloworld, '--push', `${proxy.host}/${repo}:v1`], env);
    if (r.exitCode === 0) t.equal(JSON.parse(r.stdout).digest, clean.digest, `run ${i}: pushed through the faults, same digest`);
    else {
      t.equal(r.exitCode, 1, `run ${i}: gave up with exit 1`);
      t.match(r.stderr, proxy.host, 'naming the registry');
    }
    await noManifestWithoutBlobs(t, repo);
    proxy.plan({});
    const again = await nixImage(['build', helloworld, '--push', `${proxy.host}/${repo}:v1`], env);
    t.equal(again.exitCode, 0, `run ${i}: the same command without faults converges`);
    t.ok(await noManifestWithoutBlobs(t, repo));
  }
  t.comment(`faults injected: ${JSON.stringify(proxy.counts)}`);
});

t.test('kill -9 during build --push, then the same command again: converges', { skip, timeout: 300_000 }, async (t) => {
  const env = { XDG_CACHE_HOME: await tempDir(t) };
  const proxy = await startFaultProxy(`http://${registry}`);
  t.teardown(() => proxy.close());
  const repo = unique('kill');
  // hold every blob upload: the push is killed with layers in flight
  proxy.plan({ rates: { delay: 1 }, delayMs: 3000, match: (r) => r.method === 'PUT' && r.url.includes('/blobs/uploads/') });
  const run = execa('node', [`${root}/packages/nix-image/bin/run.js`, 'build', helloworld, '--push', `${proxy.host}/${repo}:v1`, '--json'], { reject: false, env, cwd: root });
  for (let i = 0; i < 1200 && proxy.counts.delay === 0; i++) await sleep(50);
  t.ok(proxy.counts.delay > 0, 'killed while uploading');
  run.kill('SIGKILL');
  t.equal((await run).signal, 'SIGKILL');
  await noManifestWithoutBlobs(t, repo);
  proxy.plan({});
  const again = await nixImage(['build', helloworld, '--push', `${proxy.host}/${repo}:v1`], env);
  t.equal(again.exitCode, 0, again.stderr);
  t.ok(await noManifestWithoutBlobs(t, repo), 'the image is complete');
});
