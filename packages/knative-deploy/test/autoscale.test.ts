import { request } from 'node:http';
import t from 'tap';
import { cli, clients, digest, namespace, skipUnlessKnative } from './lib/env.js';

const gateway = process.env.IWP_KNATIVE_GATEWAY;
const skip = skipUnlessKnative || (!gateway && 'needs the local data plane (scripts/testenv up knative)');

/** A request through the local data plane's gateway, as a client of the service's URL. */
function get(host: string, path: string): Promise<{ status: number; body: string }> {
  const [hostname, port] = gateway!.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port: Number(port), path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls a Deployment's desired replicas until `ok`; returns every value seen. */
async function replicasUntil(ns: string, name: string, ok: (n: number) => boolean, timeoutMs: number): Promise<number[]> {
  const { apps } = clients();
  const seen: number[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = (await apps.readNamespacedDeployment({ namespace: ns, name })).spec?.replicas ?? 0;
    if (seen.at(-1) !== n) seen.push(n);
    if (ok(n) || Date.now() > deadline) return seen;
    await new Promise((r) => setTimeout(r, 500));
  }
}

t.test("Knative's autoscaler scales on requests in flight and back (concurrency target 10)", { skip }, async (t) => {
  const ns = await namespace(t, 'kd-scale');
  const applied = await cli(['apply', '--name', 'busy', '-n', ns, '--image', `127.0.0.1:5000/busy@${digest('8')}`, '--scale-min', '1', '--scale-max', '10',
    '--scale-target', '10', '--scale-utilization', '100', '--scale-window', '6s']);
  t.equal(applied.exitCode, 0, applied.stderr);
  const host = `busy.${ns}.svc.cluster.local`;
  t.match(await get(host, '/'), { status: 200, body: 'Hello from busy-00001\n' }, 'the gateway routes by the service\'s traffic');

  // 30 requests held for 20 s: 30 in flight against a target of 10 per pod is 3 pods
  const load = Promise.all(Array.from({ length: 30 }, () => get(host, '/?hold=20000')));
  const up = await replicasUntil(ns, 'busy-00001-deployment', (n) => n >= 3, 30_000);
  // 30 / 10 = 3; a scrape that averages over a pod still starting may ask for one more
  t.ok(up.at(-1)! >= 3 && up.at(-1)! <= 4, `scaled up to 3 pods (seen ${up.join(' -> ')})`);
  const answers = await load;
  t.ok(answers.every((a) => a.status === 200 && a.body === 'Hello from busy-00001\n'), 'every request was answered');
  const down = await replicasUntil(ns, 'busy-00001-deployment', (n) => n === 1, 60_000);
  t.equal(down.at(-1), 1, `back to --scale-min 1 once idle (seen ${down.join(' -> ')})`);
});

t.test("Knative's autoscaler scales an idle service to zero; it stays Ready; a request brings a pod back", { skip }, async (t) => {
  const ns = await namespace(t, 'kd-zero');
  const applied = await cli(['apply', '--name', 'idle', '-n', ns, '--image', `127.0.0.1:5000/idle@${digest('9')}`, '--scale-min', '0', '--scale-target', '10', '--scale-window', '6s']);
  t.equal(applied.exitCode, 0, applied.stderr);
  const seen = await replicasUntil(ns, 'idle-00001-deployment', (n) => n === 0, 90_000);
  t.equal(seen.at(-1), 0, `scaled to zero (seen ${seen.join(' -> ')})`);
  const { custom } = clients();
  const pa = (await custom.getNamespacedCustomObject({ group: 'autoscaling.internal.knative.dev', version: 'v1alpha1', namespace: ns, plural: 'podautoscalers', name: 'idle-00001' })) as { status?: { desiredScale?: number } };
  t.equal(pa.status?.desiredScale, 0, 'the PodAutoscaler decided zero');
  const sks = (await custom.getNamespacedCustomObject({ group: 'networking.internal.knative.dev', version: 'v1alpha1', namespace: ns, plural: 'serverlessservices', name: 'idle-00001' })) as { spec?: { mode?: string } };
  t.equal(sks.spec?.mode, 'Proxy', 'the activator is in the path');
  t.match(JSON.parse((await cli(['get', 'idle', '-n', ns])).stdout), { ready: true }, 'a service scaled to zero is still Ready');

  // a cold start: the request is buffered and reported to the autoscaler, as by the activator
  const started = Date.now();
  const answer = await get(`idle.${ns}.svc.cluster.local`, '/');
  t.match(answer, { status: 200, body: 'Hello from idle-00001\n' }, `answered after a cold start of ${Date.now() - started} ms`);
  const { apps } = clients();
  t.ok(((await apps.readNamespacedDeployment({ namespace: ns, name: 'idle-00001-deployment' })).spec?.replicas ?? 0) >= 1, 'the autoscaler scaled it up from zero');
});
