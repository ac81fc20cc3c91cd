import t from 'tap';
import { execa } from 'execa';
import { bin, cli, clients, digest, getObj, listObjs, namespace, skipUnlessKnative as skip } from './lib/env.js';

const ann = (k: string) => `autoscaling.knative.dev/${k}`;

type Base = string[];

/** The first apply: Ready once Knative's controller says so, the annotations and the pinned image stored; again, nothing changes. */
async function checkFirstApply(t: Tap.Test, ns: string, base: Base, v1: string): Promise<void> {
  const first = await cli([...base, '--image', v1]);
  t.equal(first.exitCode, 0, first.stderr);
  const doc = JSON.parse(first.stdout);
  t.match(doc, { kind: 'KnativeService', name: 'hello', namespace: ns, image: v1, ready: true, generation: 1, observedGeneration: 1, url: `http://hello.${ns}.svc.cluster.local`, latestReadyRevision: 'hello-00001' });
  const obj = await getObj(ns, 'services', 'hello');
  t.same(
    { min: obj.spec.template.metadata.annotations[ann('min-scale')], target: obj.spec.template.metadata.annotations[ann('target')], cls: obj.spec.template.metadata.annotations[ann('class')], metric: obj.spec.template.metadata.annotations[ann('metric')] },
    { min: '0', target: '10', cls: 'kpa.autoscaling.knative.dev', metric: 'concurrency' },
    'the autoscaling annotations are on the stored revision template',
  );
  t.equal(obj.spec.template.spec.containers[0]!.image, v1, 'the image is pinned by digest');
  t.ok(obj.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && obj.status?.observedGeneration === 1, 'apply returned once the controller said Ready');
  const { apps } = clients();
  const dep = await apps.readNamespacedDeployment({ namespace: ns, name: 'hello-00001-deployment' });
  t.equal(dep.spec?.template.spec?.containers[0]?.image, v1, "Knative's revision reconciler made the Deployment");

  const again = await cli([...base, '--image', v1]);
  t.equal(again.exitCode, 0, again.stderr);
  t.equal(JSON.parse(again.stdout).generation, 1, 'an identical apply changes nothing');
  t.equal((await listObjs(ns, 'revisions')).length, 1, 'and makes no revision');

  const url = await execa('node', [bin, 'get', 'hello', '-n', ns, '-o', 'url'], { reject: false });
  t.equal(url.stdout, `http://hello.${ns}.svc.cluster.local`, '-o url prints only the URL');
}

/** Bad --traffic and --tag values are exit 2 naming the flag, found before anything is sent. */
async function checkTrafficBadInput(t: Tap.Test, ns: string, base: Base, v2: string): Promise<void> {
  const rvBefore = (await getObj(ns, 'services', 'hello')).metadata.resourceVersion;
  for (const [args, message] of [
    [['--traffic', 'hello-00001=10,@latest=80'], /^--traffic: expected percentages that add up to 100, got 90/],
    [['--traffic', 'hello-00007=10,@latest=90'], /^--traffic: expected an existing revision \(hello-00001, hello-00002\) or @latest, got "hello-00007"/],
    [['--traffic', 'hello-00001=10,hello-00001=90'], /^--traffic: expected each revision at most once/],
    [['--tag', 'hello-00001=Bad_Tag'], /^--tag: expected REVISION=TAG/],
  ] as [string[], RegExp][]) {
    const r = await cli(['traffic', 'hello', '-n', ns, ...args]);
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(JSON.parse(r.stdout), { kind: 'Error', code: 'BAD_INPUT', message });
  }
  const badApply = await cli([...base, '--image', v2, '--traffic', 'hello-00009=10,@latest=90']);
  t.equal(badApply.exitCode, 2, 'apply checks revisions too');
  t.equal((await getObj(ns, 'services', 'hello')).metadata.resourceVersion, rvBefore, 'nothing was sent');
}

/** A split with tags, kept by a later apply, then rolled back by tag. */
async function checkSplitAndRollback(t: Tap.Test, ns: string, base: Base, v2: string): Promise<void> {
  const split = await cli(['traffic', 'hello', '-n', ns, '--traffic', 'hello-00001=10,@latest=90', '--tag', 'hello-00001=previous', '--tag', '@latest=current']);
  t.equal(split.exitCode, 0, split.stderr);
  const obj = await getObj(ns, 'services', 'hello');
  t.same(obj.spec.traffic, [
    { revisionName: 'hello-00001', latestRevision: false, percent: 10, tag: 'previous' },
    { latestRevision: true, percent: 90, tag: 'current' },
  ], 'the split and tags are in spec.traffic');
  t.equal(obj.spec.template.spec.containers[0]!.image, v2, 'the template is untouched');
  t.match(JSON.parse(split.stdout).traffic, [
    { revisionName: 'hello-00001', percent: 10, tag: 'previous', url: `http://previous-hello.${ns}.svc.cluster.local` },
    { revisionName: 'hello-00002', percent: 90, tag: 'current', url: `http://current-hello.${ns}.svc.cluster.local` },
  ], "Knative's route reconciler programmed the split and gave each tag a URL");
  const revs = JSON.parse((await cli(['revisions', 'hello', '-n', ns])).stdout);
  t.match(revs.items, [{ name: 'hello-00001', generation: 1, percent: 10, tags: ['previous'], ready: true }, { name: 'hello-00002', generation: 2, percent: 90, tags: ['current'], ready: true }]);

  const reapply = await cli([...base, '--image', v2, '-e', 'TARGET=v2']);
  t.equal(JSON.parse(reapply.stdout).generation, 3, 'apply without --traffic keeps the split');
  t.equal((await getObj(ns, 'services', 'hello')).spec.traffic?.length, 2);

  const back = await cli(['traffic', 'hello', '-n', ns, '--traffic', 'previous=100']);
  t.equal(back.exitCode, 0, back.stderr);
  t.match(JSON.parse(back.stdout).traffic, [{ revisionName: 'hello-00001', percent: 100, tag: 'previous' }, { revisionName: 'hello-00002', percent: 0, tag: 'current' }], 'rolled back by tag, tags kept');
}

/** diff shows only what apply would change and writes nothing; delete --wait, then get is exit 4, delete twice is fine. */
async function checkDiffAndDelete(t: Tap.Test, ns: string, v2: string): Promise<void> {
  const diff = await cli(['diff', '--name', 'hello', '-n', ns, '--image', v2, '-e', 'TARGET=v2', '--scale-min', '0', '--scale-target', '10', '--scale-max', '4']);
  t.equal(diff.exitCode, 0, diff.stderr);
  t.match(JSON.parse(diff.stdout), { kind: 'KnativeServiceDiff', exists: true, newRevision: true, changes: [{ op: 'add', path: '/spec/template/metadata/annotations/autoscaling.knative.dev~1max-scale', new: '4' }] });
  t.equal(JSON.parse(diff.stdout).changes.length, 1, 'only the new annotation');
  t.equal((await getObj(ns, 'services', 'hello')).metadata.generation, 4, 'diff wrote nothing');

  const del = await cli(['delete', 'hello', '-n', ns, '--wait']);
  t.match(JSON.parse(del.stdout), { deleted: true });
  const gone = await cli(['get', 'hello', '-n', ns]);
  t.equal(gone.exitCode, 4, 'get after delete: exit 4');
  t.match(JSON.parse((await cli(['delete', 'hello', '-n', ns])).stdout), { deleted: false }, 'delete twice is fine');
}

t.test('helloworld through Knative Serving\'s own controller: Ready, URL, revisions, traffic, rollback, delete', { skip }, async (t) => {
  const ns = await namespace(t, 'kd-serve');
  const v1 = `127.0.0.1:5000/helloworld@${digest('1')}`;
  const v2 = `127.0.0.1:5000/helloworld@${digest('2')}`;
  const base = ['apply', '--name', 'hello', '-n', ns, '--scale-min', '0', '--scale-target', '10'];
  await checkFirstApply(t, ns, base, v1);
  const second = await cli([...base, '--image', v2, '-e', 'TARGET=v2']);
  t.equal(second.exitCode, 0, second.stderr);
  t.match(JSON.parse(second.stdout), { generation: 2, ready: true, latestReadyRevision: 'hello-00002', traffic: [{ revisionName: 'hello-00002', percent: 100 }] });
  await checkTrafficBadInput(t, ns, base, v2);
  await checkSplitAndRollback(t, ns, base, v2);
  await checkDiffAndDelete(t, ns, v2);
});

t.test('list and wait', { skip }, async (t) => {
  const ns = await namespace(t, 'kd-list');
  const names = ['alpha', 'beta'];
  for (const n of names) t.equal((await cli(['apply', '--name', n, '-n', ns, '--image', `127.0.0.1:5000/${n}@${digest('3')}`, '--no-wait'])).exitCode, 0);
  const waited = await cli(['wait', ...names, '-n', ns, '--timeout', '120s']);
  t.equal(waited.exitCode, 0, waited.stderr);
  t.match(JSON.parse(waited.stdout), { kind: 'KnativeServiceList', items: [{ name: 'alpha', ready: true }, { name: 'beta', ready: true }] });
  const listed = JSON.parse((await cli(['list', '-n', ns])).stdout);
  t.same(listed.items.map((s: { name: string }) => s.name).sort(), names);
  const missing = await cli(['wait', 'nope', '-n', ns, '--timeout', '5s']);
  t.equal(missing.exitCode, 4, 'waiting for a service that does not exist: exit 4');
});
