import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import { cliRunner, tempDir } from '@iwp/core/testing';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'packages', 'cluster-up', 'bin', 'run.js');
const cli = cliRunner(bin, { json: 'end', options: { cwd: root } });

t.test('nix/environments/*.nix evaluate to valid descriptors and plan', async (t) => {
  const local = await cli(['create', '-f', 'nix/environments/local.nix', '--dry-run']);
  t.equal(local.exitCode, 0, local.stderr);
  const plan = JSON.parse(local.stdout);
  t.match(plan, { kind: 'ClusterPlan', name: 'dev', provider: 'local', kubernetes: { version: 'v1.34.4' } });
  t.same(plan.nodes.map((n: { name: string; runtime: string }) => [n.name, n.runtime]), [['dev-worker-1', 'containerd']]);
  t.same(plan.nodes[0].labels, { 'iwp.dev/pool': 'default' });
  t.equal(plan.registry, '127.0.0.1:5000', 'real nodes pull from the descriptor\'s registry');
  t.same(plan.processes.slice(-4), ['dev-worker-1-containerd', 'dev-worker-1-kubelet', 'dev-worker-1-kube-proxy', 'coredns']);
  t.notOk(plan.processes.includes('kwok'), 'no kwok without simulated nodes');
  // the default nodes of mkEnvironment, with simulated workers for scale
  const dir = await tempDir(t, 'iwp-env-');
  await writeFile(join(dir, 'mixed.nix'), `with import ${join(root, 'nix', 'lib', 'environment.nix')}; mkEnvironment { name = "mix"; nodes = [ { role = "control-plane"; runtime = "kwok"; } { role = "worker"; } { role = "worker"; count = 50; runtime = "kwok"; } ]; }`);
  const mixed = JSON.parse((await cli(['create', '-f', join(dir, 'mixed.nix'), '--dry-run'])).stdout);
  t.equal(mixed.nodes.length, 52);
  t.same(mixed.nodes[0], { name: 'mix-control-plane-1', role: 'control-plane', runtime: 'kwok', labels: {}, taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] });
  t.equal(mixed.nodes.filter((n: { runtime: string }) => n.runtime === 'containerd').length, 1, 'one real worker, 50 simulated');
  t.ok(mixed.processes.includes('kwok'));
  const ec2 = await execa('nix-instantiate', ['--eval', '--strict', '--json', 'nix/environments/ec2.nix'], { cwd: root });
  const env = JSON.parse(ec2.stdout);
  t.match(env, { kind: 'Environment', provider: 'ec2', network: { cidr: '10.42.0.0/16', adminCidr: '203.0.113.0/24' } });
  t.equal(env.network.subnets.length, 3);
});

t.test('bad descriptors: the field is named, exit 2', async (t) => {
  const dir = await tempDir(t, 'iwp-env-');
  const lib = join(root, 'nix', 'lib', 'environment.nix');
  const cases: [string, string, RegExp][] = [
    ['role.nix', `with import ${lib}; mkEnvironment { name = "x"; nodes = [ { role = "boss"; } ]; }`, /nodes\.0\.role: expected one of control-plane, worker/],
    ['count.nix', `with import ${lib}; mkEnvironment { name = "x"; nodes = [ { count = 0; } ]; }`, /nodes\.0\.count: expected an integer >= 1/],
    ['runtime.nix', `with import ${lib}; mkEnvironment { name = "x"; nodes = [ { runtime = "docker"; } ]; }`, /nodes\.0\.runtime: expected one of containerd, kwok, got "docker"/],
    ['cidr.nix', `with import ${lib}; mkEnvironment { name = "x"; network.cidr = "10.0.0.0"; }`, /network\.cidr: expected a CIDR/],
    ['name.json', JSON.stringify({ apiVersion: 'iwp/v1', kind: 'Environment', name: 'Bad', provider: 'local', kubernetes: { version: 'v1.34.4' }, nodes: [{ role: 'worker', count: 1 }] }), /Environment\.name/],
    ['provider.json', JSON.stringify({ apiVersion: 'iwp/v1', kind: 'Environment', name: 'x', provider: 'mars', kubernetes: { version: 'v1.34.4' }, nodes: [{ role: 'worker', count: 1 }] }), /Environment\.provider: expected one of "local", "kind", "ec2", "vm", got "mars"/],
    ['kind.json', JSON.stringify({ apiVersion: 'iwp/v1', kind: 'Image' }), /kind: expected Environment, got "Image"/],
    ['broken.json', '{"apiVersion": ', /broken\.json/],
  ];
  for (const [file, text, message] of cases) {
    await writeFile(join(dir, file), text);
    const r = await cli(['create', '-f', join(dir, file), '--dry-run']);
    t.equal(r.exitCode, 2, `${file}: exit 2`);
    t.match(JSON.parse(r.stdout), { kind: 'Error', message }, file);
    t.notMatch(r.stderr, /\n\s+at /, `${file}: no stack trace`);
  }
  const missing = await cli(['create', '-f', join(dir, 'missing.nix')]);
  t.equal(missing.exitCode, 2);
});
