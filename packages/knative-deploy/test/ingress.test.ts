// iwp's ingress program (what runs in the iwp-ingress pod) against the real apiserver of the test
// environment: it marks KIngresses of its class Ready and routes by Host to real helloworld
// processes. Only the dialling differs from the pod: Service names are mapped to the processes'
// loopback ports, because simulated nodes have no cluster network.
import t, { type Test } from 'tap';
import { execa, type ResultPromise } from 'execa';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@iwp/core';
import { IngressServer, LOCAL_INGRESS_CLASS } from '../src/ingress/server.js';
import { SKIP_LABEL } from './standin/ingress.js';
import { clients, namespace, skipUnlessKnative } from './lib/env.js';
import { get, until } from './lib/realnode.js';

const server = join(import.meta.dirname, '..', '..', '..', 'nix', 'images', 'helloworld', 'server.js');
const group = { group: 'networking.internal.knative.dev', version: 'v1alpha1', plural: 'ingresses' };

async function app(t: Test, target: string): Promise<number> {
  // CommonJS, as in the image (this repository's package.json says "module")
  const dir = await mkdtemp(join(tmpdir(), 'kd-hello-'));
  await copyFile(server, join(dir, 'server.cjs'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // a port the kernel just gave (a random one in 20000-40000 could be another server's: the
  // test environment runs dozens); a server that exits before it answers is started again
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const p: ResultPromise = execa('node', [join(dir, 'server.cjs')], { env: { PORT: String(port), TARGET: target }, reject: false, stdin: 'ignore' });
    t.teardown(() => void p.kill());
    let exited = false;
    void p.then(() => (exited = true));
    const up = await until(`helloworld ${target}`, async () => exited || (await fetch(`http://127.0.0.1:${port}/`).then((r) => r.ok)), 30_000, 100);
    if (up && !exited) return port;
    if (attempt === 3) throw new Error(`helloworld ${target} exited before it answered: ${(await p).stderr}`);
  }
}

const kingress = (ns: string, name: string, cls: string, percents: [number, number]) => ({
  apiVersion: 'networking.internal.knative.dev/v1alpha1', kind: 'Ingress',
  metadata: { name, namespace: ns, annotations: { 'networking.knative.dev/ingress.class': cls } },
  spec: {
    rules: [{
      hosts: [`${name}.${ns}.svc.cluster.local`], visibility: 'ClusterLocal',
      http: { paths: [{ splits: [
        { serviceName: `${name}-00001`, serviceNamespace: ns, servicePort: 80, percent: percents[0], appendHeaders: { 'Knative-Serving-Revision': `${name}-00001` } },
        { serviceName: `${name}-00002`, serviceNamespace: ns, servicePort: 80, percent: percents[1], appendHeaders: { 'Knative-Serving-Revision': `${name}-00002` } },
      ] }] },
    }],
  },
});

t.test('KIngresses of its class become Ready with its address; requests split by percent to the real app', { skip: skipUnlessKnative }, async (t) => {
  // the test environment's stand-in networking layer leaves this namespace to us
  const ns = await namespace(t, 'kd-ingress', { [SKIP_LABEL]: 'off' });
  const ports: Record<string, number> = { [`hello-00001.${ns}.svc.cluster.local:80`]: await app(t, 'one'), [`hello-00002.${ns}.svc.cluster.local:80`]: await app(t, 'two') };
  const { kc, custom } = clients();
  const ingress = new IngressServer(kc, { domainInternal: 'iwp-ingress.knative-serving.svc.cluster.local', port: 0, dial: (target) => ({ host: '127.0.0.1', port: ports[target]! }) });
  const addr = await ingress.start();
  t.teardown(() => ingress.stop());
  const gw = `127.0.0.1:${addr.port}`;

  await custom.createNamespacedCustomObject({ ...group, namespace: ns, body: kingress(ns, 'hello', LOCAL_INGRESS_CLASS, [80, 20]) });
  await custom.createNamespacedCustomObject({ ...group, namespace: ns, body: kingress(ns, 'other', 'kourier.ingress.networking.knative.dev', [100, 0]) });
  type St = { metadata: { generation: number }; status?: { observedGeneration?: number; conditions?: { type: string; status: string }[]; publicLoadBalancer?: { ingress: { domainInternal: string }[] } } };
  const read = (name: string) => custom.getNamespacedCustomObject({ ...group, namespace: ns, name }) as Promise<St>;
  const readyAt = (o: St) => o.status?.observedGeneration === o.metadata.generation && o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  const hello = await until('hello Ready', async () => { const o = await read('hello'); return readyAt(o) ? o : undefined; }, 30_000, 200);
  t.equal(hello.status?.publicLoadBalancer?.ingress[0]?.domainInternal, 'iwp-ingress.knative-serving.svc.cluster.local');
  t.notOk(readyAt(await read('other')), 'another class is left alone');

  const counts: Record<string, number> = {};
  for (let i = 0; i < 400; i += 40) {
    for (const a of await Promise.all(Array.from({ length: 40 }, () => get(gw, `hello.${ns}.svc.cluster.local`)))) counts[a.body] = (counts[a.body] ?? 0) + 1;
  }
  t.ok(Math.abs((counts['Hello one!\n'] ?? 0) / 4 - 80) <= 6, `80/20 split: ${JSON.stringify(counts)}`);
  t.equal((await get(gw, `nope.${ns}.svc.cluster.local`)).status, 404, 'an unknown host is 404');

  // a new generation is reconciled and routed
  await custom.patchNamespacedCustomObject({ ...group, namespace: ns, name: 'hello', body: [{ op: 'replace', path: '/spec/rules/0/http/paths/0/splits/0/percent', value: 0 }, { op: 'replace', path: '/spec/rules/0/http/paths/0/splits/1/percent', value: 100 }] });
  await until('generation 2 Ready', async () => { const o = await read('hello'); return o.metadata.generation === 2 && readyAt(o); }, 30_000, 200);
  const after = await Promise.all(Array.from({ length: 20 }, () => get(gw, `hello.${ns}.svc.cluster.local`)));
  t.same([...new Set(after.map((a) => a.body))], ['Hello two!\n'], 'all traffic on the second revision');
});
