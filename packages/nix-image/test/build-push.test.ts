import { join } from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import { helloworld, nixImage, tempDir, unique } from './helpers.js';

const registry = process.env.IWP_REGISTRY;
const skip = !registry && 'IWP_REGISTRY not set (scripts/testenv up)';

t.test('the same closure gives the same digest, from a cold cache or a warm one', { skip }, async (t) => {
  const a = await tempDir(t);
  const b = await tempDir(t);
  const one = await nixImage(['build', helloworld, '--out', `oci-dir:${join(a, 'oci')}`], { XDG_CACHE_HOME: a });
  t.equal(one.exitCode, 0, one.stderr);
  const two = await nixImage(['build', helloworld, '--out', `oci-dir:${join(b, 'oci')}`], { XDG_CACHE_HOME: b });
  const three = await nixImage(['build', helloworld, '--out', `oci-dir:${join(b, 'oci')}`], { XDG_CACHE_HOME: b });
  const [d1, d2, d3] = [one, two, three].map((r) => JSON.parse(r.stdout));
  t.match(d1.digest, /^sha256:[0-9a-f]{64}$/);
  t.equal(d2.digest, d1.digest, 'two cold builds in different caches: same manifest digest');
  t.equal(d3.digest, d1.digest, 'warm rebuild: same digest');
  t.match(three.stderr, /layer 1\/3 \(cached\)/, 'warm rebuild takes every layer from the cache');
  t.notMatch(three.stderr, /layer \d\/\d\n/, 'no layer is tarred again');
  t.equal(d1.layers.length, 3, 'two store paths and the customisation layer');
  t.ok(d1.layers[0].storePaths[0].endsWith('-host-node'), 'the most popular path (node, referenced by the app) comes first');
  const few = await nixImage(['build', helloworld, '--max-layers', '2', '--out', `oci-dir:${join(a, 'two')}`], { XDG_CACHE_HOME: a });
  const fewDoc = JSON.parse(few.stdout);
  t.equal(fewDoc.layers.length, 2, '--max-layers 2 merges the store paths into one layer');
  t.equal(fewDoc.layers[0].storePaths.length, 2);
});

t.test('a rebuild of unchanged contents takes its layers from the last build, unless a blob left the cache', { skip }, async (t) => {
  const cache = await tempDir(t);
  const build = () => nixImage(['build', helloworld, '--out', `oci-dir:${join(cache, 'oci')}`], { XDG_CACHE_HOME: cache });
  const first = JSON.parse((await build()).stdout);
  const again = await build();
  t.equal(JSON.parse(again.stdout).digest, first.digest, 'same digest from the memo');
  t.match(again.stderr, /layer 3\/3 \(cached\)/);
  // the layer cache lost the node layer's blob: the memo is not trusted, the layer is made again
  const { rm } = await import('node:fs/promises');
  await rm(join(cache, 'iwp', 'nix-image', 'blobs', 'sha256', first.layers[0].digest.slice(7)));
  const remade = await build();
  t.equal(remade.exitCode, 0, remade.stderr);
  t.equal(JSON.parse(remade.stdout).digest, first.digest, 'same digest, the blob made again');
  t.match(remade.stderr, /layer \d\/3\n/, 'a layer was tarred again');
});

t.test('push: everything the first time, nothing the second, mount into another repository', { skip }, async (t) => {
  // a cache of our own: no layer and no blob location known yet
  const env = { XDG_CACHE_HOME: await tempDir(t) };
  const repo = unique('hello');
  const ref = `${registry}/${repo}:v1`;
  const first = JSON.parse((await nixImage(['build', helloworld, '--push', ref], env)).stdout);
  t.match(first.push, { uploaded: 4, skipped: 0, manifestPushed: true });
  t.ok(first.push.bytesUploaded > 1_000_000, 'layers were uploaded');
  const inspect = await execa('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`]);
  t.equal(inspect.stdout.trim(), first.digest, 'the registry serves the manifest we built');
  const again = JSON.parse((await nixImage(['build', helloworld, '--push', ref], env)).stdout);
  t.match(again.push, { uploaded: 0, mounted: 0, skipped: 4, manifestPushed: false, bytesUploaded: 0 }, 'nothing changed: nothing pushed');
  t.equal(again.push.requests, 1, 'one HEAD of the manifest');
  const other = `${registry}/${unique('copy')}:v1`;
  const mounted = JSON.parse((await nixImage(['build', helloworld, '--push', other], env)).stdout);
  t.match(mounted.push, { uploaded: 0, mounted: 4 }, 'blobs mounted from the first repository, not uploaded');
  const pushed = await nixImage(['push', `oci-dir:${join(env.XDG_CACHE_HOME, 'iwp', 'nix-image', 'oci', 'helloworld')}`, `${registry}/${unique('layout')}:x`], env);
  t.equal(pushed.exitCode, 0, pushed.stderr);
  t.equal(JSON.parse(pushed.stdout).digest, first.digest, 'push of the layout directory gives the same manifest');
});

t.test('basic auth registry: refused without credentials, pushed with them', { skip: !process.env.IWP_REGISTRY_AUTH && 'IWP_REGISTRY_AUTH not set' }, async (t) => {
  const reg = process.env.IWP_REGISTRY_AUTH!;
  const creds = `${process.env.IWP_REGISTRY_AUTH_USER}:${process.env.IWP_REGISTRY_AUTH_PASSWORD}`;
  const ref = `${reg}/${unique('private')}:v1`;
  const home = await tempDir(t);
  const denied = await nixImage(['build', helloworld, '--push', ref], { HOME: home, XDG_CACHE_HOME: join(process.env.HOME!, '.cache') });
  t.equal(denied.exitCode, 1);
  t.match(JSON.parse(denied.stdout), { kind: 'Error', code: 'AUTH_FAILED' });
  const ok = await nixImage(['build', helloworld, '--push', ref, '--creds', creds]);
  t.equal(ok.exitCode, 0, ok.stderr);
  const inspect = await execa('skopeo', ['inspect', '--tls-verify=false', '--creds', creds, '--format', '{{.Digest}}', `docker://${ref}`]);
  t.equal(inspect.stdout.trim(), JSON.parse(ok.stdout).digest);
});

t.test('pushed, pulled back with skopeo, unpacked with umoci, run with runc: it answers HTTP', { skip: skip || (process.getuid?.() !== 0 && 'runc needs root') }, async (t) => {
  const dir = await tempDir(t);
  const ref = `${registry}/${unique('runc')}:v1`;
  const built = await nixImage(['build', helloworld, '--push', ref]);
  t.equal(built.exitCode, 0, built.exitCode ? built.stderr : 'pushed');
  await execa('skopeo', ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${join(dir, 'oci')}:latest`]);
  await execa('umoci', ['unpack', '--image', `${join(dir, 'oci')}:latest`, join(dir, 'bundle')]);
  const cfgPath = join(dir, 'bundle', 'config.json');
  const { readFile, writeFile } = await import('node:fs/promises');
  const cfg = JSON.parse(await readFile(cfgPath, 'utf8'));
  const port = 20000 + (process.pid % 20000);
  cfg.process.terminal = false;
  cfg.process.env.push(`PORT=${port}`);
  cfg.linux.namespaces = cfg.linux.namespaces.filter((n: { type: string }) => n.type !== 'network');
  await writeFile(cfgPath, JSON.stringify(cfg));
  const id = unique('hw');
  const ctr = execa('runc', ['run', id], { cwd: join(dir, 'bundle'), reject: false, stdin: 'ignore' });
  t.teardown(async () => {
    await execa('runc', ['delete', '--force', id], { reject: false });
    await ctr;
  });
  let body = '';
  for (let i = 0; i < 100 && !body; i++) {
    body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text(), () => '');
    if (!body) await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(body, 'Hello World!\n', 'the helloworld server in the image answers');
});

t.test('bad input: exit 2 and the field named', async (t) => {
  const cases: [string[], RegExp][] = [
    [['build', helloworld, '--max-layers', '0'], /^--max-layers: expected an integer 2\.\.127/],
    [['build', helloworld, '--max-layers', '128'], /^--max-layers/],
    [['build', helloworld, '--push', 'no-registry'], /^--push: expected HOST/],
    [['build', '/nonexistent/image.nix'], /no such file/],
    [['build', helloworld, '--out', 'tarball:/tmp/x'], /^--out: expected oci-dir:PATH/],
    [['push', '/tmp/x', `${registry ?? 'localhost:5000'}/x:y`], /^SOURCE: expected oci-dir:PATH/],
  ];
  for (const [args, message] of cases) {
    const r = await nixImage(args);
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(JSON.parse(r.stdout), { kind: 'Error', message }, args.join(' '));
  }
  const dir = await tempDir(t);
  const { writeFile } = await import('node:fs/promises');
  await writeFile(join(dir, 'bad.nix'), `(import ${join(helloworld, '..', '..', 'lib', 'image.nix')}).mkImage { name = "Bad Name"; }`);
  const bad = await nixImage(['build', join(dir, 'bad.nix')]);
  t.equal(bad.exitCode, 2);
  t.match(JSON.parse(bad.stdout).message, /name: expected a lowercase repository name/);
});
