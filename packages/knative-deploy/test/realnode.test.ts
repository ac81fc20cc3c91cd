// Knative Serving as pods on a real node (cluster-up --runtime containerd): Knative's own
// controller, webhook, autoscaler, activator and queue-proxy built from the Go module and
// iwp's ingress, all as images from nix-image; the real helloworld app. Skipped, saying why,
// where real nodes are not available.
import t from 'tap';
import { execa } from 'execa';
import { join } from 'node:path';
import { cli } from './lib/env.js';
import { clientsOf, get, realCluster, registry, revisionPods, sleep, until } from './lib/realnode.js';

const root = join(import.meta.dirname, '..', '..', '..');
// one cluster for all: longer than tap's per-file default
t.setTimeout(1_800_000);
const cluster = await realCluster(t, `kd-rn-${process.pid % 10000}`);
if (typeof cluster === 'string') {
  t.plan(0, cluster);
} else {
  const env = { KUBECONFIG: cluster.kubeconfig };
  const doc = JSON.stringify(cluster);
  const { core, apps } = clientsOf(cluster.kubeconfig);
  // short windows keep the test short: scale to zero after 6 s idle; a revision whose pods never
  // become available fails after 45 s (Knative notices a crashing container when its Deployment
  // changes, at the latest at this deadline)
  const fast = ['--config', 'config-autoscaler.scale-to-zero-grace-period=6s', '--config', 'config-autoscaler.stable-window=6s', '--config', 'config-deployment.progress-deadline=45s'];
  let ingress = '';
  const nixImage = async (target: string) => {
    const r = await execa('node', [join(root, 'bin', 'nix-image'), 'build', join(root, 'nix', 'images', 'helloworld'), '--push', `${registry}/${target}`, '--json', '--quiet'], { stdin: 'ignore' });
    return r.stdout;
  };

  t.test('install --images build --networking local: Knative as pods, images by digest from the cluster\'s registry', { timeout: 1_200_000 }, async (t) => {
    const r = await cli(['install', '--images', 'build', '--networking', 'local', '--timeout', '600s', ...fast], { input: doc, env });
    t.equal(r.exitCode, 0, 'installed', { stderr: r.stderr.split('\n').slice(-5).join('\n') });
    const out = JSON.parse(r.stdout) as { apiOnly: boolean; built: { path: string; ref: string }[]; deployments: string[] };
    t.equal(out.apiOnly, false);
    t.same(out.deployments.sort(), ['knative-serving/activator', 'knative-serving/autoscaler', 'knative-serving/controller', 'knative-serving/iwp-ingress', 'knative-serving/webhook']);
    for (const d of ['controller', 'webhook', 'autoscaler', 'activator', 'iwp-ingress']) {
      const dep = await apps.readNamespacedDeployment({ name: d, namespace: 'knative-serving' });
      t.match(dep.spec!.template.spec!.containers[0]!.image, new RegExp(`^${registry!.replace(/\./g, '\\.')}/.+@sha256:[0-9a-f]{64}$`), `${d} runs a built image by digest`);
      t.ok((dep.status?.availableReplicas ?? 0) >= 1, `${d} available`);
    }
    const cm = await core.readNamespacedConfigMap({ name: 'config-deployment', namespace: 'knative-serving' });
    t.equal(cm.data!['queue-sidecar-image'], out.built.find((b) => b.path.endsWith('/queue'))!.ref);
    const svc = await core.readNamespacedService({ name: 'iwp-ingress', namespace: 'knative-serving' });
    ingress = `${svc.spec!.clusterIP}:80`;

    const again = await cli(['install', '--images', 'build', '--networking', 'local', ...fast], { input: doc, env });
    t.equal(again.exitCode, 0, 'installed again', { stderr: again.stderr });
    t.same((JSON.parse(again.stdout) as { built: { pushed: boolean }[] }).built.filter((b) => b.pushed), [], 'a second install builds and pushes nothing');
  });

  t.test('hello world through the ingress pod -> queue-proxy -> app; to zero and a cold start through the activator', { timeout: 600_000 }, async (t) => {
    if (!ingress) return t.plan(0, 'Knative not installed (see the install test)');
    const applied = await cli(['apply', '--name', 'hello', '--scale-min', '0', '--scale-target', '10', '-e', 'TARGET=World', '--wait-timeout', '300s'], { input: await nixImage('hello'), env });
    t.equal(applied.exitCode, 0, applied.stderr);
    const host = 'hello.default.svc.cluster.local';
    const first = await get(ingress, host);
    t.same({ status: first.status, body: first.body }, { status: 200, body: 'Hello World!\n' }, 'the app\'s own answer');
    // gone, not just terminating: the next answer must come from a pod started for it
    await until('hello at zero pods', async () => (await revisionPods(cluster.kubeconfig, 'default', 'hello-00001', true)) === 0, 180_000, 500);
    const cold = await get(ingress, host);
    t.same({ status: cold.status, body: cold.body }, { status: 200, body: 'Hello World!\n' }, `answered from zero after ${Math.round(cold.ms)} ms`);
    t.comment(`cold start: ${Math.round(cold.ms)} ms`);
    // the activator forwards as soon as its own probe of the new pod passes, which can be before
    // the kubelet has reported the pod Ready: count the pod, not its readiness
    t.ok((await revisionPods(cluster.kubeconfig, 'default', 'hello-00001', true)) >= 1, 'a pod was started for it');
  });

  t.test('60 requests in flight with target 10: at least 5 pods', { timeout: 600_000 }, async (t) => {
    if (!ingress) return t.plan(0, 'Knative not installed (see the install test)');
    const applied = await cli(['apply', '--name', 'load', '--scale-min', '1', '--scale-max', '10', '--scale-target', '10', '--scale-utilization', '100', '--wait-timeout', '300s'], { input: await nixImage('hello'), env });
    t.equal(applied.exitCode, 0, applied.stderr);
    let stop = false;
    let most = 0;
    const clients = Array.from({ length: 60 }, async () => {
      while (!stop) await get(ingress, 'load.default.svc.cluster.local', '/?sleep=3000').catch(() => sleep(200));
    });
    try {
      most = await until('5 ready pods', async () => {
        const n = await revisionPods(cluster.kubeconfig, 'default', 'load-00001');
        return n >= 5 ? n : undefined;
      }, 240_000, 1000);
    } finally {
      stop = true;
      await Promise.all(clients);
    }
    t.ok(most >= 5, `${most} ready pods under 60 requests in flight`);
  });

  t.test('traffic 90/10 between two revisions over 400 requests, each within 5 points; a tag URL answers its revision', { timeout: 600_000 }, async (t) => {
    if (!ingress) return t.plan(0, 'Knative not installed (see the install test)');
    const image = await nixImage('hello');
    const one = await cli(['apply', '--name', 'split', '--scale-min', '1', '-e', 'TARGET=one'], { input: image, env });
    t.equal(one.exitCode, 0, one.stderr);
    const two = await cli(['apply', '--name', 'split', '--scale-min', '1', '-e', 'TARGET=two', '--traffic', 'split-00001=90,@latest=10', '--tag', 'split-00001=old'], { input: image, env });
    t.equal(two.exitCode, 0, two.stderr);
    const counts: Record<string, number> = {};
    for (let i = 0; i < 400; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => get(ingress, 'split.default.svc.cluster.local')));
      for (const a of batch) counts[a.body] = (counts[a.body] ?? 0) + 1;
    }
    t.comment(JSON.stringify(counts));
    t.ok(Math.abs((counts['Hello one!\n'] ?? 0) / 4 - 90) <= 5, `revision 1: ${(counts['Hello one!\n'] ?? 0) / 4}%`);
    t.ok(Math.abs((counts['Hello two!\n'] ?? 0) / 4 - 10) <= 5, `revision 2: ${(counts['Hello two!\n'] ?? 0) / 4}%`);
    const tagged = await Promise.all(Array.from({ length: 10 }, () => get(ingress, 'old-split.default.svc.cluster.local')));
    t.same([...new Set(tagged.map((a) => a.body))], ['Hello one!\n'], 'the tag URL answers its revision');
  });

  t.test('an image that crashes at start: exit 1 with the container\'s reason; traffic stays on the last Ready revision', { timeout: 600_000 }, async (t) => {
    if (!ingress) return t.plan(0, 'Knative not installed (see the install test)');
    const ok = await cli(['apply', '--name', 'crashy', '--scale-min', '1'], { input: await nixImage('hello'), env });
    t.equal(ok.exitCode, 0, 'first revision Ready', { stderr: ok.stderr });
    // Knative's queue-proxy image as an app: it exits 1 at once, missing its environment
    const queue = (await apps.readNamespacedDeployment({ name: 'crashy-00001-deployment', namespace: 'default' })).spec!.template.spec!.containers.find((c) => c.name === 'queue-proxy')!.image!;
    const bad = await cli(['apply', '--name', 'crashy', '--scale-min', '1', '--image', queue, '--wait-timeout', '180s'], { env });
    t.equal(bad.exitCode, 1, 'apply fails', { stderr: bad.stderr });
    const err = JSON.parse(bad.stdout) as { kind: string; message: string; details?: { containers?: string[] } };
    t.match(err, { kind: 'Error', message: /crashy-00002/ }, err.message);
    t.match(err.message, /ExitCode|exit code|Container failed/i, 'names the container\'s failure');
    // whichever condition Knative reported first, the pod's own account follows it
    t.match(err.details?.containers ?? [], [/^container user-container: .*exit code 1\b/], 'the exit code the pod reports');
    const svc = JSON.parse((await cli(['get', 'crashy'], { env })).stdout) as { latestReadyRevision: string };
    t.equal(svc.latestReadyRevision, 'crashy-00001');
    t.equal((await get(ingress, 'crashy.default.svc.cluster.local')).body, 'Hello World!\n', 'traffic stays on the Ready revision');
  });

  t.test('faults: a registry that is down installs nothing; a downgrade needs --force; installing again keeps user services', { timeout: 300_000 }, async (t) => {
    if (!ingress) return t.plan(0, 'Knative not installed (see the install test)');
    const before = (await core.readNamespacedConfigMap({ name: 'config-deployment', namespace: 'knative-serving' })).metadata!.resourceVersion;
    const down = await cli(['install', '--images', 'build', '--networking', 'local', '--registry', '127.0.0.1:9'], { input: doc, env });
    t.equal(down.exitCode, 1);
    t.match(JSON.parse(down.stdout), { kind: 'Error', message: /^registry 127\.0\.0\.1:9 is unreachable/ });
    t.equal((await core.readNamespacedConfigMap({ name: 'config-deployment', namespace: 'knative-serving' })).metadata!.resourceVersion, before, 'nothing applied');
    const older = await cli(['install', '--version', 'v0.49.0', '--images', 'build'], { input: doc, env });
    t.equal(older.exitCode, 2);
    t.match(JSON.parse(older.stdout), { kind: 'Error', message: /^--version: expected a version not older than the installed v0\.50\.0/ });
    t.ok(await get(ingress, 'split.default.svc.cluster.local').then((a) => a.status === 200), 'services still answer');
    // in place over a running install with user services: they are kept, and keep answering
    const again = await cli(['install', '--images', 'build', '--networking', 'local', ...fast], { input: doc, env });
    t.equal(again.exitCode, 0, 'installed over itself', { stderr: again.stderr });
    t.equal((JSON.parse(again.stdout) as { previousVersion?: string }).previousVersion, 'v0.50.0');
    const svc = await cli(['get', 'split'], { env });
    t.match(JSON.parse(svc.stdout), { name: 'split', ready: true, generation: 2 }, 'the user service is untouched');
    t.equal((await get(ingress, 'split.default.svc.cluster.local')).status, 200);
  });
}
