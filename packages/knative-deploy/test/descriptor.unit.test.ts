import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { IwpError, runProcess } from '@iwp/core';
import { tempDir } from '@iwp/core/testing';
import { loadServices } from '../src/descriptor.js';

// Service descriptors as JSON files (what nix-instantiate makes of nix/services/*.nix): no server.

const write = async (dir: string, name: string, value: unknown) => {
  const file = join(dir, name);
  await writeFile(file, JSON.stringify(value));
  return file;
};

t.test('the three shapes, turned into specs and kn traffic flags', async (t) => {
  const dir = await tempDir(t);
  const one = await loadServices(runProcess, await write(dir, 'one.json', {
    name: 'hello', env: { TARGET: 'iwp', N: 3 }, port: 8080, resources: { requests: { cpu: '100m' } },
    scale: { min: 0, max: 10, target: 10, metric: 'rps', window: 60, retention: '5m' },
    traffic: [{ latest: true, percent: 80, tag: 'new' }, { revision: 'hello-00001', percent: 20 }],
  }));
  t.same(one, [{
    spec: { name: 'hello', env: { TARGET: 'iwp', N: '3' }, port: 8080, requests: { cpu: '100m' }, minScale: 0, maxScale: 10, target: 10, metric: 'rps', window: '60s', scaleToZeroRetention: '5m' },
    traffic: { traffic: ['@latest=80', 'hello-00001=20'], tag: ['@latest=new'] },
    field: `-f ${join(dir, 'one.json')}`,
  }]);
  const named = await loadServices(runProcess, await write(dir, 'named.json', { services: { web: { scale: { min: 1 } }, api: { name: 'api2', namespace: 'x' } } }));
  t.same(named.map((d) => [d.spec.name, d.spec.namespace, d.field.split(': ')[1]]), [['web', undefined, 'services.web'], ['api2', 'x', 'services.api']]);
  const listed = await loadServices(runProcess, await write(dir, 'list.json', [{ name: 'a' }, { name: 'b', image: 'r/b@sha256:1' }]));
  t.same(listed.map((d) => [d.spec.name, d.spec.image, d.field.split(': ')[1]]), [['a', undefined, 'services[0]'], ['b', 'r/b@sha256:1', 'services[1]']]);
});

t.test('errors name the file and the field, exit 2', async (t) => {
  const dir = await tempDir(t);
  const cases: [unknown, string][] = [
    [{ services: [{ name: 'a', scale: { min: -1 } }] }, 'services[0].scale.min: expected an integer >= 0, got -1'],
    [{ services: [{ name: 'a', scale: { min: 1.5 } }] }, 'services[0].scale.min: expected an integer >= 0, got 1.5'],
    [{ services: { web: { scale: { minimum: 1 } } } }, 'services.web.scale.minimum: expected one of min, max, initial, target, metric, utilization, window, retention, got "minimum"'],
    [{ name: 'a', replicas: 3 }, 'replicas: expected one of name, namespace, image, env, port, scale'],
    [{ image: 'r/a' }, 'name: expected a service name'],
    [{ name: 'a', env: { A: true } }, 'env.A: expected a string, got true'],
    [{ name: 'a', port: 70000 }, 'port: expected an integer from 0 to 65535, got 70000'],
    [{ name: 'a', scale: { metric: 'qps' } }, 'scale.metric: expected one of "concurrency", "rps", "cpu", "memory", got "qps"'],
    [{ name: 'a', traffic: { percent: 100 } }, 'traffic: expected a list of { revision | latest = true; percent; tag; }'],
    [{ name: 'a', traffic: [{ percent: 100 }] }, 'traffic[0].revision: expected a revision name, or latest = true'],
    [{ name: 'a', resources: { request: {} } }, 'resources.request: expected one of requests, limits'],
    [[{ name: 'a' }, { name: 'a' }], 'services[1].name: expected a name used once, got "a"'],
    [[], ': expected at least one service'],
    ['hello', ': expected an attribute set describing a service, got "hello"'],
  ];
  for (const [i, [value, message]] of cases.entries()) {
    const file = await write(dir, `bad-${i}.json`, value);
    const err = await loadServices(runProcess, file).then(() => undefined, (e: unknown) => e);
    t.ok(err instanceof IwpError && err.exitCode === 2, JSON.stringify(value));
    t.match((err as Error).message, `-f ${file}${message.startsWith(':') ? '' : ': '}${message}`, JSON.stringify(value));
  }
});
