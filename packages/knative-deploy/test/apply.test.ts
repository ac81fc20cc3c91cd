import { join } from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import { kubeClientNode, loadKubeConfig } from '@iwp/core';

const bin = join(import.meta.dirname, '..', 'bin', 'run.js');
const cli = (args: string[]) => execa('node', [bin, ...args, '--json'], { reject: false, stdin: 'ignore' });
const skip = !process.env.KUBECONFIG && 'KUBECONFIG not set (scripts/testenv up)';
const digest = `sha256:${'b'.repeat(64)}`;

t.test('apply, wait until Ready, update, describe, delete against the real apiserver', { skip }, async (t) => {
  const install = await cli(['install']);
  t.equal(install.exitCode, 0, install.stderr);
  const k8s = kubeClientNode();
  const kc = loadKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const ns = `kd-${process.pid}`;
  await core.createNamespace({ body: { metadata: { name: ns } } });
  t.teardown(() => core.deleteNamespace({ name: ns }).then(() => undefined, () => undefined));

  const image = `127.0.0.1:5000/hello@${digest}`;
  const applied = await cli(['apply', '--name', 'hello', '--namespace', ns, '--image', image, '--scale-min', '0', '--scale-max', '3', '--no-wait']);
  t.equal(applied.exitCode, 0, applied.stderr);
  t.match(JSON.parse(applied.stdout), { kind: 'KnativeService', name: 'hello', namespace: ns, image, ready: false, generation: 1 });
  const obj = (await custom.getNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace: ns, plural: 'services', name: 'hello' })) as {
    spec: { template: { metadata: { annotations: Record<string, string> } } };
  };
  t.equal(obj.spec.template.metadata.annotations['autoscaling.knative.dev/max-scale'], '3', 'the annotations reached the apiserver');

  // Knative's controller is not part of this environment: wait is checked by writing the
  // status the controller would write (observedGeneration, Ready, url, traffic).
  const timeout = await cli(['apply', '--name', 'hello', '--namespace', ns, '--image', image, '--wait-timeout', '1']);
  t.equal(timeout.exitCode, 5, 'not Ready in time: exit 5');
  t.match(JSON.parse(timeout.stdout), { kind: 'Error', code: 'TIMEOUT' });
  const waiting = cli(['apply', '--name', 'hello', '--namespace', ns, '--image', image, '-e', 'TARGET=v2', '--wait-timeout', '60']);
  // once the update (new env, annotations dropped) is in, answer it as the controller would
  type Svc = { metadata: { generation: number }; spec?: { template?: { spec?: { containers?: { env?: unknown[] }[] } } } };
  let cur: Svc = { metadata: { generation: 0 } };
  const updated = (s: Svc) => Boolean(s.spec?.template?.spec?.containers?.[0]?.env);
  for (let i = 0; i < 300 && !updated(cur); i++) {
    cur = (await custom.getNamespacedCustomObject({ group: 'serving.knative.dev', version: 'v1', namespace: ns, plural: 'services', name: 'hello' })) as Svc;
    if (!updated(cur)) await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(cur.metadata.generation, 3, 'each change of the spec is a new generation');
  const now = new Date().toISOString();
  await custom.replaceNamespacedCustomObjectStatus({
    group: 'serving.knative.dev', version: 'v1', namespace: ns, plural: 'services', name: 'hello',
    body: {
      ...cur,
      status: {
        observedGeneration: cur.metadata.generation,
        url: `http://hello.${ns}.svc.cluster.local`,
        latestCreatedRevisionName: 'hello-00002', latestReadyRevisionName: 'hello-00002',
        traffic: [{ revisionName: 'hello-00002', latestRevision: true, percent: 100 }],
        conditions: ['ConfigurationsReady', 'Ready', 'RoutesReady'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
      },
    },
  });
  const ready = await waiting;
  t.equal(ready.exitCode, 0, ready.stderr);
  t.match(JSON.parse(ready.stdout), { ready: true, url: `http://hello.${ns}.svc.cluster.local`, latestReadyRevision: 'hello-00002', traffic: [{ percent: 100 }] });

  const described = await cli(['describe', 'hello', '--namespace', ns]);
  t.match(JSON.parse(described.stdout), { name: 'hello', ready: true });
  t.equal((await cli(['delete', 'hello', '--namespace', ns])).exitCode, 0);
  t.equal(JSON.parse((await cli(['delete', 'hello', '--namespace', ns])).stdout).deleted, false, 'delete twice is fine');
  t.equal((await cli(['describe', 'hello', '--namespace', ns])).exitCode, 4);
});

t.test('bad flags: exit 2 naming the flag', async (t) => {
  for (const [args, message] of [
    [['apply', '--name', 'Hello', '--image', 'x'], /^--name: expected a DNS label/],
    [['apply', '--name', 'h', '--image', 'x', '--scale-min', '5', '--scale-max', '2'], /^--scale-min: expected at most --scale-max/],
    [['apply', '--name', 'h', '--image', 'x', '-e', 'NOVALUE'], /^--env: expected NAME=VALUE/],
    [['apply', '--name', 'h', '--image', 'x', '--traffic', 'a=50'], /^--traffic: expected percentages that add up to 100/],
  ] as [string[], RegExp][]) {
    const r = await cli(args);
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(JSON.parse(r.stdout), { kind: 'Error', message });
  }
});
