import { mkdtemp, readFile, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import { root, shell } from './lib/tools.js';

// The ways people compose the tools, run as they would: examples/Makefile and a nix-shell
// one-liner, against the test servers.
const env = process.env;
const skip = !env.IWP_REGISTRY || !env.IWP_CLUSTER || !env.IWP_KNATIVE_BIN ? 'needs the test environment with Knative (scripts/testenv up)' : false;
const mtime = async (f: string) => (await stat(f)).mtimeMs;

t.test('examples/Makefile: image -> cache push -> deploy; a second make does nothing; a newer image document remakes only what depends on it', { skip, timeout: 400_000 }, async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'iwp-make-'));
  const ns = `make-${process.pid}`;
  await execa(join(env.IWP_K8S_BIN!, 'kubectl'), ['create', 'namespace', ns], { env: { KUBECONFIG: env.KUBECONFIG } });
  t.teardown(async () => {
    await execa(join(env.IWP_K8S_BIN!, 'kubectl'), ['delete', 'namespace', ns, '--wait=false'], { env: { KUBECONFIG: env.KUBECONFIG }, reject: false });
    await rm(out, { recursive: true, force: true });
  });
  const make = (...args: string[]) => shell(
    `make -C examples OUT=${out} REGISTRY=${env.IWP_REGISTRY} REPOSITORY=${env.IWP_REGISTRY}/make-${process.pid} CLUSTER=${env.IWP_CLUSTER} NAMESPACE=${ns} ${args.join(' ')}`,
    { cwd: root },
  );
  const first = await make();
  t.equal(first.exitCode, 0, String(first.stderr).split('\n').slice(-5).join('\n'));
  const image = JSON.parse(await readFile(join(out, 'image.json'), 'utf8'));
  const cache = JSON.parse(await readFile(join(out, 'cache.json'), 'utf8'));
  const service = JSON.parse(await readFile(join(out, 'service.json'), 'utf8'));
  t.match(image, { kind: 'Image', digest: /^sha256:/ });
  t.match(cache, { kind: 'CachePush' });
  t.same([...cache.storePaths].sort(), [...image.storePaths].sort(), 'the image\'s closure went to the cache');
  t.match(service, { kind: 'KnativeService', namespace: ns, ready: true, image: `${image.repository}@${image.digest}` });

  const files = ['image.json', 'cache.json', 'service.json'].map((f) => join(out, f));
  const before = await Promise.all(files.map(mtime));
  const second = await make();
  t.equal(second.exitCode, 0);
  t.match(String(second.stdout), /Nothing to be done/, 'a no-op make runs no tool');
  t.same(await Promise.all(files.map(mtime)), before, 'no document rewritten');

  // the image document newer than what was made from it: the cache push and the deploy run
  // again, the build does not
  const earlier = new Date(before[0]! - 60_000);
  for (const f of files.slice(1)) await utimes(f, earlier, earlier);
  const third = await make();
  t.equal(third.exitCode, 0, String(third.stderr));
  t.notMatch(String(third.stdout), /nix-image build/, 'the image is not rebuilt');
  t.match(String(third.stdout), /cache-ctl push/);
  t.match(String(third.stdout), /knative-deploy apply/);
  t.equal(JSON.parse(await readFile(join(out, 'cache.json'), 'utf8')).uploaded, 0, 'nothing uploaded again');
  t.equal(JSON.parse(await readFile(join(out, 'service.json'), 'utf8')).generation, service.generation, 'the same spec: no new generation');
});

t.test('a nix-shell one-liner pipes nix-image into cache-ctl', { skip: !env.IWP_REGISTRY && 'needs the test registry' }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-oneliner-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const line = [
    `cache-ctl keygen --name oneliner-1 --secret-key ${dir}/k.sec --public-key ${dir}/k.pub >/dev/null`,
    `mkdir -p ${dir}/cache && cache-ctl init file://${dir}/cache >/dev/null`,
    `nix-image build nix/images/helloworld --push ${env.IWP_REGISTRY}/oneliner:1 | cache-ctl push - --to file://${dir}/cache --sign-key ${dir}/k.sec`,
  ].join(' && ');
  const r = await execa('nix-shell', ['--run', line], { cwd: root, reject: false, stdin: 'ignore', env: { NIX_BUILD_SHELL: 'bash' } });
  t.equal(r.exitCode, 0, r.stderr);
  const pushed = JSON.parse(r.stdout);
  t.match(pushed, { kind: 'CachePush' });
  t.ok(pushed.storePaths.some((p: string) => p.endsWith('-helloworld-1.0.0')), 'the app\'s store path is in the cache');
});
