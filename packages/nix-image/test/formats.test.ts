import { join } from 'node:path';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import t from 'tap';
import { execa } from 'execa';
import { helloworld, nixImage, root, tempDir, unique } from './helpers.js';

const registry = process.env.IWP_REGISTRY;
const skip = !registry && 'IWP_REGISTRY not set (scripts/testenv up)';

/** A copy of the helloworld image whose server.js the test can change. */
async function appCopy(dir: string, text: string): Promise<string> {
  const d = join(dir, 'app');
  await mkdir(d, { recursive: true });
  const nix = (await readFile(join(helloworld, 'default.nix'), 'utf8')).replaceAll('../../lib/', `${join(root, 'nix', 'lib')}/`);
  await writeFile(join(d, 'default.nix'), nix);
  await writeFile(join(d, 'server.js'), text);
  return d;
}
const server = async (extra: string) => `${await readFile(join(helloworld, 'server.js'), 'utf8')}\n// ${extra}\n`;
const json = (r: { stdout: unknown }) => JSON.parse(String(r.stdout));

t.test('changing one file of the app uploads exactly the layers that contain it', { skip }, async (t) => {
  const dir = await tempDir(t);
  const app = await appCopy(dir, await server(unique('v1')));
  const ref = `${registry}/${unique('change')}:v1`;
  const r1 = await nixImage(['build', app, '--push', ref]);
  t.equal(r1.exitCode, 0, r1.exitCode ? r1.stdout : 'pushed');
  const one = json(r1);
  await writeFile(join(app, 'server.js'), await server(unique('v2')));
  const two = json(await nixImage(['build', app, '--push', ref]));
  t.not(two.digest, one.digest);
  const before = new Set(one.layers.map((l: { digest: string }) => l.digest));
  const changed = two.layers.filter((l: { digest: string }) => !before.has(l.digest));
  t.same(changed.map((l: { storePaths: string[] }) => l.storePaths.map((p) => p.replace(/^\/nix\/store\/[a-z0-9]{32}-/, ''))), [['helloworld-1.0.0'], []], 'the app layer and the layer of links to it');
  t.match(two.push, { uploaded: changed.length + 1, skipped: two.layers.length - changed.length }, 'those layers and the config; node is not sent again');

  // the lockfile keeps the app in its layer although its store path changed
  const lock = join(dir, 'layers.lock.json');
  const p1 = json(await nixImage(['plan', app, '--lock', lock]));
  await writeFile(join(app, 'server.js'), await server(unique('v3')));
  const p2 = json(await nixImage(['plan', app, '--lock', lock]));
  const names = (p: { layers: Array<{ storePaths: string[] }> }) => p.layers.map((l) => l.storePaths.map((s) => s.slice(44)));
  t.same(names(p2), names(p1), 'same names in the same layers');
  t.not(p2.layers[1].storePaths[0], p1.layers[1].storePaths[0], 'with the new store path');
  t.match(JSON.parse(await readFile(lock, 'utf8')), { kind: 'LayerLock', layers: [['host-node'], ['helloworld-1.0.0']] });
});

t.test('Docker schema 2, zstd layers, docker-archive, inspect', { skip }, async (t) => {
  const dir = await tempDir(t);
  const dockerRef = `${registry}/${unique('docker')}:v1`;
  const docker = json(await nixImage(['build', helloworld, '--format', 'docker', '--push', dockerRef]));
  t.equal(docker.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  const raw = JSON.parse((await execa('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${dockerRef}`])).stdout);
  t.equal(raw.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
  t.equal(raw.layers[0].mediaType, 'application/vnd.docker.image.rootfs.diff.tar.gzip');
  const inspected = json(await nixImage(['inspect', dockerRef]));
  t.equal(inspected.digest, docker.digest, 'inspect sees the pushed digest');
  t.same(inspected.layers.map((l: { diffId: string }) => l.diffId), docker.layers.map((l: { diffId: string }) => l.diffId));

  // zstd: reproducible across cold caches, and the layers are zstd tars of the store paths
  const z1 = json(await nixImage(['build', helloworld, '--compression', 'zstd', '--out', `oci-dir:${join(dir, 'z1')}`], { XDG_CACHE_HOME: join(dir, 'c1') }));
  const z2 = json(await nixImage(['build', helloworld, '--compression', 'zstd', '--out', `oci-dir:${join(dir, 'z2')}`], { XDG_CACHE_HOME: join(dir, 'c2') }));
  t.equal(z2.digest, z1.digest, 'same digest from two cold caches');
  t.equal(z1.layers[0].mediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
  const blob = join(dir, 'z1', 'blobs', 'sha256', z1.layers[1].digest.slice(7));
  const list = await execa('sh', ['-c', `zstd -dc ${blob} | tar -t`]);
  t.match(list.stdout, /nix\/store\/[a-z0-9]{32}-helloworld-1\.0\.0\/lib\/helloworld\/server\.js/);
  const fromLayout = json(await nixImage(['inspect', `oci-dir:${join(dir, 'z1')}`]));
  t.equal(fromLayout.digest, z1.digest);
  t.equal((await nixImage(['build', helloworld, '--format', 'docker', '--compression', 'zstd'])).exitCode, 2, 'Docker schema 2 has no zstd');

  const archive = join(dir, 'hw.tar');
  const saved = json(await nixImage(['build', helloworld, '--out', `docker-archive:${archive}`]));
  const manifest = JSON.parse((await execa('skopeo', ['inspect', '--raw', `docker-archive:${archive}`])).stdout);
  t.equal(manifest.config.digest, saved.configDigest, 'skopeo reads the archive: same config');
  const copied = join(dir, 'copied');
  await execa('skopeo', ['copy', `docker-archive:${archive}`, `oci:${copied}:latest`]);
  t.ok((await readFile(join(copied, 'index.json'), 'utf8')).includes('manifests'));
});

t.test('--system: an image index of the systems this nix can build, the others skipped', { skip }, async (t) => {
  const ref = `${registry}/${unique('multi')}:v1`;
  const r = await nixImage(['build', helloworld, '--system', 'x86_64-linux', '--system', 'aarch64-linux', '--push', ref]);
  t.equal(r.exitCode, 0, r.exitCode ? r.stderr : 'built');
  t.match(r.stderr, /no builder for aarch64-linux/);
  const d = json(r);
  t.match(d, { mediaType: 'application/vnd.oci.image.index.v1+json', platforms: [{ os: 'linux', architecture: 'amd64' }], skippedSystems: ['aarch64-linux'] });
  const raw = JSON.parse((await execa('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`])).stdout);
  t.equal(raw.mediaType, 'application/vnd.oci.image.index.v1+json');
  t.same(raw.manifests.map((m: { platform: unknown }) => m.platform), [{ architecture: 'amd64', os: 'linux' }]);
  t.match(json(await nixImage(['inspect', ref])), { digest: d.digest, platforms: [{ architecture: 'amd64', digest: raw.manifests[0].digest }] });
  const none = await nixImage(['build', helloworld, '--system', 'aarch64-linux']);
  t.equal(none.exitCode, 2, 'no buildable system: bad input');
  t.equal((await nixImage(['build', helloworld, '--system', 'x86_64-darwin'])).exitCode, 2, 'not a Linux system');
});

t.test('bad input and unreachable registries: clear errors', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'syntax.nix'), 'let x = ; in x');
  const syntax = await nixImage(['build', join(dir, 'syntax.nix')]);
  t.equal(syntax.exitCode, 2);
  t.match(json(syntax).message, /syntax error/);
  const down = await nixImage(['build', helloworld, '--push', '127.0.0.1:1/nothing:v1']);
  t.equal(down.exitCode, 1);
  t.match(json(down).message, /127\.0\.0\.1:1/);
  t.equal((await nixImage(['inspect', 'not a ref'])).exitCode, 2);
  t.equal((await nixImage(['plan', helloworld, '--lock', join(root, 'package.json')])).exitCode, 2, 'a lockfile that is not one');
});

t.test('credentials from a docker credential helper; wrong ones fail naming the registry', { skip: !process.env.IWP_REGISTRY_AUTH && 'IWP_REGISTRY_AUTH not set' }, async (t) => {
  const reg = process.env.IWP_REGISTRY_AUTH!;
  const dir = await tempDir(t);
  const helper = join(dir, 'bin', 'docker-credential-iwptest');
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(helper, `#!/bin/sh\nread server\n[ "$server" = "${reg}" ] || exit 1\necho '{"ServerURL":"${reg}","Username":"${process.env.IWP_REGISTRY_AUTH_USER}","Secret":"${process.env.IWP_REGISTRY_AUTH_PASSWORD}"}'\n`, { mode: 0o755 });
  await mkdir(join(dir, 'docker'));
  await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ credHelpers: { [reg]: 'iwptest' } }));
  const env = { DOCKER_CONFIG: join(dir, 'docker'), PATH: `${join(dir, 'bin')}:${process.env.PATH}` };
  const ok = await nixImage(['build', helloworld, '--push', `${reg}/${unique('helper')}:v1`], env);
  t.equal(ok.exitCode, 0, ok.exitCode ? ok.stdout : 'pushed with the helper\'s credentials');
  await writeFile(join(dir, 'docker', 'config.json'), JSON.stringify({ auths: { [reg]: { auth: Buffer.from('iwp:wrong').toString('base64') } } }));
  const bad = await nixImage(['build', helloworld, '--push', `${reg}/${unique('wrong')}:v1`], env);
  t.equal(bad.exitCode, 1);
  t.match(json(bad), { code: 'AUTH_FAILED', message: new RegExp(reg.replace(/\./g, '\\.')) });
});
