import t from 'tap';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { parse } from 'yaml';
import { runProcess, validateDocument } from '@iwp/core';
import { cliRunner, tempDir } from '@iwp/core/testing';
import { clusterStatus, deleteCluster, listClusters } from '../src/index.js';

// Unit test of the kind provider's lifecycle through the CLI. There is no Docker engine on the
// test machines, so `kind` and `docker` are test/fake-bin stand-ins that record their argv and
// answer like the real tools; what is checked is the config written and the commands run.
// create goes through the CLI; the rest calls the library the commands call, to stay fast.
const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
const fakeBin = fileURLToPath(new URL('./fake-bin', import.meta.url));

async function setup(t: { teardown(fn: () => unknown): void }) {
  const dir = await tempDir(t, 'iwp-cu-kind-');
  const env = { PATH: `${fakeBin}:${process.env.PATH}`, FAKE_KIND_STATE: join(dir, 'fake'), XDG_CACHE_HOME: join(dir, 'cache') };
  const run = cliRunner(bin, { json: 'end', options: { env } });
  const cli = async (args: string[]) => {
    const r = await run(args);
    return { ...r, doc: r.stdout ? JSON.parse(String(r.stdout)) : undefined };
  };
  const argv = async () => (await readFile(join(dir, 'fake', 'argv.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string[]);
  // the library runs kind and docker through PATH, as the CLI does
  const path = process.env.PATH;
  process.env.PATH = env.PATH;
  process.env.FAKE_KIND_STATE = env.FAKE_KIND_STATE;
  t.teardown(() => { process.env.PATH = path; });
  const stateDir = join(dir, 'cache', 'iwp', 'clusters', 'dev');
  const ctx = { run: runProcess, logger: { info: () => undefined }, timeoutMs: 60_000 };
  const ref = { name: 'dev', stateDir };
  const lib = {
    status: () => clusterStatus('kind', ref, ctx),
    list: () => listClusters(ctx, join(dir, 'cache', 'iwp', 'clusters')),
    delete: () => deleteCluster('kind', ref, ctx),
  };
  return { dir, cli, argv, stateDir, lib };
}

t.test('kind lifecycle: create, status, list, delete through the provider interface (fake kind and docker)', async (t) => {
  const { dir, cli, argv, stateDir, lib } = await setup(t);
  const created = await cli(['create', '--provider', 'kind', '--name', 'dev', '--nodes', '2', '--registry', '127.0.0.1:5000']);
  t.equal(created.exitCode, 0, created.exitCode ? String(created.stderr) : 'created');
  t.match(created.doc, {
    kind: 'Cluster', name: 'dev', provider: 'kind', context: 'kind-dev', kubeconfig: join(stateDir, 'kubeconfig'), readiness: 'containers',
    registry: '127.0.0.1:5000', registryEndpoint: 'http://172.18.0.1:5000',
    nodes: [{ name: 'dev-control-plane', role: 'control-plane', ready: true }, { name: 'dev-worker', role: 'worker', ready: true }, { name: 'dev-worker2', role: 'worker', ready: true }],
  });
  t.ok(validateDocument(created.doc, ['Cluster'], 'kind create'), 'a valid Cluster document for the next tool');
  const config = parse(await readFile(join(stateDir, 'kind.yaml'), 'utf8'));
  t.match(config, { kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: 'dev', nodes: [{ role: 'control-plane', image: 'kindest/node:v1.34.4' }, { role: 'worker' }, { role: 'worker' }] });
  t.match(config.containerdConfigPatches[0], /config_path = "\/etc\/containerd\/certs\.d"/);
  const calls = await argv();
  t.same(calls.find((c) => c[1] === 'network' && c[2] === 'create')?.at(-1), 'kind', 'the kind network is made when missing, to know its gateway');
  t.same(calls.find((c) => c[0] === 'kind' && c[1] === 'create'),
    ['kind', 'create', 'cluster', '--name', 'dev', '--config', join(stateDir, 'kind.yaml'), '--kubeconfig', join(stateDir, 'kubeconfig'), '--wait', '180s']);
  for (const node of ['dev-control-plane', 'dev-worker', 'dev-worker2']) {
    const exec = JSON.parse(await readFile(join(dir, 'fake', `exec-${node}.json`), 'utf8'));
    t.match(exec.argv.join(' '), /mkdir -p '\/etc\/containerd\/certs\.d\/127\.0\.0\.1:5000'/, `${node}: hosts.toml for the registry`);
    t.match(exec.stdin, /server = "http:\/\/172\.18\.0\.1:5000"\n\n\[host\."http:\/\/172\.18\.0\.1:5000"\]\n {2}capabilities = \["pull", "resolve"\]/, `${node}: the registry through the host's address on the kind network`);
  }

  t.equal((await cli(['create', '--provider', 'kind', '--name', 'dev'])).exitCode, 3, 'a second create is a conflict');
  t.equal((await lib.status()).nodes?.length, 3);
  t.match(await lib.list(), [{ name: 'dev', provider: 'kind', running: true }]);
  // a node container that stopped shows in status and list
  await (await import('node:fs/promises')).writeFile(join(dir, 'fake', 'stopped-dev-worker'), '');
  t.match((await lib.status()).nodes?.[1], { name: 'dev-worker', ready: false });
  t.match(await lib.list(), [{ name: 'dev', running: false }]);

  const del = await cli(['delete', 'dev', '--provider', 'kind']);
  t.equal(del.exitCode, 0, del.exitCode ? String(del.stderr) : 'deleted');
  t.match(del.doc, { kind: 'ClusterDeletion', provider: 'kind', name: 'dev', removed: true });
  t.same((await argv()).find((c) => c[0] === 'kind' && c[1] === 'delete'), ['kind', 'delete', 'cluster', '--name', 'dev', '--kubeconfig', join(stateDir, 'kubeconfig')]);
  t.notOk(await stat(stateDir).then(() => true, () => false), 'state dir removed');
  t.match(await lib.delete(), { removed: false }, 'deleting twice is fine');
  await t.rejects(lib.status(), { code: 'NOT_FOUND' }, 'status of a deleted cluster: not found');
  t.same(await lib.list(), []);
});

t.test('kind: a registry not on loopback is used as named; without docker a clear error', async (t) => {
  const { dir, cli, stateDir, lib } = await setup(t);
  const r = await cli(['create', '--provider', 'kind', '--name', 'dev', '--registry', 'registry.example.com:5000']);
  t.equal(r.exitCode, 0, r.exitCode ? String(r.stderr) : 'created');
  const exec = JSON.parse(await readFile(join(dir, 'fake', 'exec-dev-control-plane.json'), 'utf8'));
  t.match(exec.stdin, /server = "http:\/\/registry\.example\.com:5000"/);
  t.notOk(await stat(join(dir, 'fake', 'network-kind')).then(() => true, () => false), 'no gateway lookup needed');
  await lib.delete();
  t.notOk(await stat(stateDir).then(() => true, () => false));
  const none = await execa('node', [bin, 'create', '--provider', 'kind', '--name', 'dev', '--json'], { reject: false, stdin: 'ignore', env: { PATH: '/usr/bin:/bin' } });
  t.equal(none.exitCode, 1);
  t.match(String(none.stderr), /provider kind needs docker, which is not installed here/);
});
