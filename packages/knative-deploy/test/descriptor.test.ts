import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from '@iwp/core/testing';
import { cli, digest, getObj, namespace, skipUnlessKnative as skip } from './lib/env.js';

const services = join(import.meta.dirname, '..', '..', '..', 'nix', 'services');

t.test('apply -f nix/services/hello.nix with the Image document on stdin', { skip }, async (t) => {
  const ns = await namespace(t, 'kd-nix');
  const image = { apiVersion: 'iwp/v1', kind: 'Image', ref: '127.0.0.1:5000/hello:v1', repository: '127.0.0.1:5000/hello', digest: digest('6'), layers: [] };
  const r = await cli(['apply', '-f', join(services, 'hello.nix'), '-n', ns], { input: JSON.stringify(image) });
  t.equal(r.exitCode, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { kind: 'KnativeService', name: 'hello', ready: true, image: `127.0.0.1:5000/hello@${digest('6')}`, autoscaling: { 'min-scale': '0', 'max-scale': '10', target: '10', window: '60s', metric: 'concurrency' } });
  const obj = await getObj(ns, 'services', 'hello');
  t.same(obj.spec.template.spec.containers[0], {
    image: `127.0.0.1:5000/hello@${digest('6')}`, env: [{ name: 'TARGET', value: 'iwp' }], ports: [{ containerPort: 8080, protocol: 'TCP' }],
    resources: { requests: { cpu: '100m', memory: '64Mi' } },
  }, 'the container as the descriptor says (protocol defaulted by the CRD schema)');
  const same = await cli(['apply', '-f', join(services, 'hello.nix'), '-n', ns], { input: JSON.stringify(image) });
  t.equal(JSON.parse(same.stdout).generation, 1, 'applying it again changes nothing');
  const flag = await cli(['apply', '-f', join(services, 'hello.nix'), '-n', ns, '--scale-max', '3', '--no-wait'], { input: JSON.stringify(image) });
  t.equal(JSON.parse(flag.stdout).autoscaling['max-scale'], '3', 'flags override the descriptor');
});

t.test('one descriptor, several services: applied together, waited for together', { skip }, async (t) => {
  const ns = await namespace(t, 'kd-many');
  const r = await cli(['apply', '-f', join(services, 'canary.nix'), '-n', ns, '--image', `127.0.0.1:5000/hello@${digest('7')}`]);
  t.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  t.equal(doc.kind, 'KnativeServiceList');
  t.same(doc.items.map((s: { name: string; ready: boolean }) => [s.name, s.ready]), [['api', true], ['web', true]]);
  t.equal((await getObj(ns, 'services', 'api')).spec.template.metadata.annotations['autoscaling.knative.dev/min-scale'], '1');
  const one = await cli(['apply', '-f', join(services, 'canary.nix'), '-n', ns, '--name', 'web', '--image', `127.0.0.1:5000/hello@${digest('7')}`]);
  t.match(JSON.parse(one.stdout), { kind: 'KnativeService', name: 'web', generation: 1 }, '--name picks one service; unchanged');
});

t.test('descriptor errors name the file and the field (exit 2)', async (t) => {
  const dir = await tempDir(t);
  const env = { KUBECONFIG: '/nonexistent' };
  const cases: [unknown, RegExp][] = [
    [{ services: [{ name: 'a', image: 'r/a@x', scale: { min: -1 } }] }, /services\[0\]\.scale\.min: expected an integer >= 0, got -1/],
    [{ services: { web: { image: 'r/a@x', scale: { minimum: 1 } } } }, /services\.web\.scale\.minimum: expected one of min, max/],
    [{ name: 'a', image: 'r/a@x', replicas: 3 }, /\.json: replicas: expected one of name, namespace, image/],
    [{ services: [{ name: 'a', image: 'r/a@x' }, { name: 'a', image: 'r/a@x' }] }, /services\[1\]\.name: expected a name used once/],
    [{ name: 'a', image: 'r/a@x', traffic: [{ revision: 'a-00001', percent: 50 }] }, /--traffic: expected percentages that add up to 100, got 50/],
  ];
  for (const [i, [value, message]] of cases.entries()) {
    const file = join(dir, `svc-${i}.json`);
    await writeFile(file, JSON.stringify(value));
    const r = await cli(['apply', '-f', file], { env });
    t.equal(r.exitCode, 2, JSON.stringify(value));
    t.match(JSON.parse(r.stdout).message, message);
  }
  const nix = join(dir, 'bad.nix');
  await writeFile(nix, '{ name = "a"; image = throw "service descriptor: image must be set by the caller"; }');
  const r = await cli(['apply', '-f', nix], { env });
  t.equal(r.exitCode, 2);
  t.match(JSON.parse(r.stdout).message, /^-f .*bad\.nix: image must be set by the caller/);
  const missing = await cli(['apply', '-f', join(dir, 'none.nix')], { env });
  t.equal(missing.exitCode, 2);
});
