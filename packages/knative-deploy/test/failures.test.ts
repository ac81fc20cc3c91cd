import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { execa } from 'execa';
import { cli, digest, getObj, namespace, skipUnlessKnative as skip } from './lib/env.js';

t.test('a revision that fails: exit 1 with the reason and message Knative reports', { skip }, async (t) => {
  const ns = await namespace(t, 'kd-fail');
  // a tag the registry does not have: Knative's controller cannot resolve it to a digest
  const image = `${process.env.IWP_REGISTRY}/missing-${process.pid}:v1`;
  const r = await cli(['apply', '--name', 'broken', '-n', ns, '--image', image, '--wait-timeout', '120s']);
  t.equal(r.exitCode, 1, r.stderr);
  const err = JSON.parse(r.stdout);
  t.match(err, { kind: 'Error', code: 'FAILED', message: new RegExp(`^service ${ns}/broken failed: RevisionFailed: Revision "broken-00001" failed with message: Unable to fetch image "${image.replace(/[.]/g, '\\.')}"`) });
  t.ok(err.details.conditions.some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'False'), 'the conditions come along');
  const obj = await getObj(ns, 'services', 'broken');
  t.equal(obj.status?.observedGeneration, 1, 'the failure is the current generation\'s');
});

t.test('a networking layer that never answers: exit 5 after --wait-timeout', { skip }, async (t) => {
  // the local networking stand-in leaves namespaces labelled off alone: the Route never gets Ready
  const ns = await namespace(t, 'kd-hang', { 'networking.iwp.dev/local-ingress': 'off' });
  const started = Date.now();
  const r = await cli(['apply', '--name', 'hang', '-n', ns, '--image', `127.0.0.1:5000/hang@${digest('4')}`, '--wait-timeout', '4s']);
  t.equal(r.exitCode, 5, r.stderr);
  t.match(JSON.parse(r.stdout), { kind: 'Error', code: 'TIMEOUT', message: new RegExp(`^not Ready after 4s: ${ns}/hang \\(`) });
  t.ok(Date.now() - started >= 4000, 'it waited the whole timeout');
  const obj = await getObj(ns, 'services', 'hang');
  t.not(obj.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', 'and the service is indeed not Ready');
});

t.test('Knative not installed: exit 4 pointing at knative-deploy install; install then works offline', { skip }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'kd-bare-'));
  const name = `kd-bare-${process.pid}`;
  const cu = join(import.meta.dirname, '..', '..', 'cluster-up', 'bin', 'run.js');
  t.teardown(async () => {
    await execa('node', [cu, 'delete', name, '--state-dir', dir], { reject: false });
    await rm(dir, { recursive: true, force: true });
  });
  const created = await execa('node', [cu, 'create', '--provider', 'local', '--name', name, '--nodes', '1', '--runtime', 'kwok', '--state-dir', dir, '--json'], { reject: false, stdin: 'ignore' });
  t.equal(created.exitCode, 0, created.stderr);
  const cluster = JSON.parse(created.stdout) as { kubeconfig: string };
  const env = { KUBECONFIG: cluster.kubeconfig };
  const r = await cli(['apply', '--name', 'hello', '--image', `127.0.0.1:5000/hello@${digest('5')}`], { env });
  t.equal(r.exitCode, 4, r.stderr);
  t.match(JSON.parse(r.stdout), { kind: 'Error', code: 'NOT_FOUND', message: /^Knative Serving is not installed in https:\/\/127\.0\.0\.1:\d+ \(no serving\.knative\.dev\/v1 API\)/, hint: /knative-deploy install/ });
  t.equal((await cli(['list'], { env })).exitCode, 4, 'list too');

  // no network needed: the manifest of the pinned version ships with the package
  const install = await cli(['install'], { env: { ...env, GOPROXY: 'http://127.0.0.1:9/' } });
  t.equal(install.exitCode, 0, install.stderr);
  const doc = JSON.parse(install.stdout);
  t.match(doc, { kind: 'KnativeInstall', namespace: 'knative-serving', version: 'v0.50.0' });
  t.ok(['services.serving.knative.dev', 'revisions.serving.knative.dev', 'ingresses.networking.internal.knative.dev', 'images.caching.internal.knative.dev'].every((c) => doc.crds.includes(c)), 'serving, networking and caching CRDs');
  t.ok(['config-autoscaler', 'config-deployment', 'config-network', 'config-domain'].every((c) => doc.configMaps.includes(c)), 'the config maps the controllers read');
  const applied = await cli(['apply', '--name', 'hello', '--image', `127.0.0.1:5000/hello@${digest('5')}`, '--no-wait'], { env });
  t.equal(applied.exitCode, 0, applied.stderr);
  t.match(JSON.parse(applied.stdout), { name: 'hello', generation: 1, ready: false });
  t.equal((await cli(['install'], { env })).exitCode, 0, 'install twice is fine');
});

t.test('bad input: exit 2 naming the flag, before any cluster is contacted', async (t) => {
  const env = { KUBECONFIG: '/nonexistent/kubeconfig' };
  const img = ['--image', `r.example/x@${digest('a')}`];
  for (const [args, message] of [
    [['apply', '--name', 'Hello', ...img], /^--name: expected a DNS label/],
    [['apply', '--name', 'h', ...img, '--scale-min', '5', '--scale-max', '2'], /^--scale-min: expected at most the maximum scale \(2\)/],
    [['apply', '--name', 'h', ...img, '-e', 'NOVALUE'], /^--env: expected NAME=VALUE/],
    [['apply', '--name', 'h', ...img, '--traffic', 'a=50'], /^--traffic: expected percentages that add up to 100, got 50/],
    [['apply', '--name', 'h', ...img, '--traffic', '@latest=101'], /^--traffic: expected REVISION=PERCENT/],
    [['apply', '--name', 'h', ...img, '--scale-window', '2s'], /^--scale-window: expected a duration from 6s to 1h/],
    [['apply', '--name', 'h', ...img, '--scale-metric', 'latency'], /--scale-metric/],
    [['apply', '--name', 'h', ...img, '--request', 'cpu=lots'], /^--request: expected a quantity/],
    [['apply', '--name', 'h', ...img, '--wait-timeout', 'soon'], /^--wait-timeout: expected a duration/],
    [['apply', ...img], /^--name: expected a service name/],
    [['traffic', 'h'], /^--traffic: expected at least one of --traffic, --tag, --untag/],
    [['install', '--config', 'stable-window=30s'], /^--config: expected CONFIGMAP\.KEY=VALUE/],
    [['get', 'x', '--kubeconfig', '/nonexistent/kc'], /^--kubeconfig: \/nonexistent\/kc: no such file/],
    [['list'], /^\$KUBECONFIG: \/nonexistent\/kubeconfig: no such file/],
  ] as [string[], RegExp][]) {
    const r = await cli(args, { env });
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(JSON.parse(r.stdout), { kind: 'Error', message }, args.join(' '));
  }
  const noImage = await cli(['apply', '--name', 'h'], { env, input: '' });
  t.equal(noImage.exitCode, 2);
  t.match(JSON.parse(noImage.stdout), { message: /^--image: expected an image reference, or an Image document on stdin/ });
});
