import t from 'tap';
import { imageFromDocument } from '../src/document.js';
import { serviceManifest, validateSpec } from '../src/spec.js';
import { planTraffic } from '../src/traffic.js';
import { serviceState } from '../src/wait.js';

const digest = `sha256:${'a'.repeat(64)}`;

t.test('the Service manifest carries what kn would write, in a fixed order', async (t) => {
  const m = serviceManifest({
    name: 'hello', namespace: 'web', image: `r:5000/hello@${digest}`, env: { TARGET: 'x', A: 'b' }, port: 8080,
    minScale: 0, maxScale: 5, target: 10, window: '60s', concurrencyLimit: 50, requests: { memory: '64Mi', cpu: '100m' },
    traffic: planTraffic(undefined, { traffic: ['@latest=90,hello-00001=10'], tag: ['hello-00001=old'] }),
  });
  t.same(m.spec, {
    template: {
      metadata: {
        annotations: {
          'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev', 'autoscaling.knative.dev/max-scale': '5',
          'autoscaling.knative.dev/metric': 'concurrency', 'autoscaling.knative.dev/min-scale': '0', 'autoscaling.knative.dev/target': '10',
          'autoscaling.knative.dev/window': '60s',
        },
      },
      spec: {
        containerConcurrency: 50,
        containers: [{
          image: `r:5000/hello@${digest}`, env: [{ name: 'A', value: 'b' }, { name: 'TARGET', value: 'x' }], ports: [{ containerPort: 8080 }],
          resources: { requests: { cpu: '100m', memory: '64Mi' } },
        }],
      },
    },
    traffic: [{ latestRevision: true, percent: 90 }, { revisionName: 'hello-00001', latestRevision: false, percent: 10, tag: 'old' }],
  });
  t.equal(JSON.stringify(serviceManifest({ name: 'a', namespace: 'b', image: 'i', env: { B: '1', A: '2' } })), JSON.stringify(serviceManifest({ name: 'a', namespace: 'b', image: 'i', env: { A: '2', B: '1' } })), 'same spec, same bytes');
  const cpu = serviceManifest({ name: 'a', namespace: 'b', image: 'i', metric: 'cpu', utilization: 70 });
  t.match((cpu.spec.template as { metadata: { annotations: Record<string, string> } }).metadata.annotations, { 'autoscaling.knative.dev/class': 'hpa.autoscaling.knative.dev', 'autoscaling.knative.dev/target-utilization-percentage': '70' }, 'cpu scaling needs the HPA class');
});

t.test('traffic: kn semantics for splits, tags, untags and refs', async (t) => {
  const cur = [{ revisionName: 'a-00001', latestRevision: false, percent: 10, tag: 'old' }, { latestRevision: true, percent: 90 }];
  t.same(planTraffic(cur, { traffic: ['old=100'] }, ['a-00001', 'a-00002']), [{ revisionName: 'a-00001', latestRevision: false, percent: 100, tag: 'old' }], 'a tag as a ref; untagged targets left out are dropped');
  t.same(planTraffic(cur, { traffic: ['@latest=100'] }, ['a-00001']), [{ latestRevision: true, percent: 100 }, { revisionName: 'a-00001', latestRevision: false, percent: 0, tag: 'old' }], 'tagged targets stay at 0%');
  t.same(planTraffic(cur, { untag: ['old'] }), [{ latestRevision: true, percent: 90 }, { revisionName: 'a-00001', latestRevision: false, percent: 10 }].reverse(), 'untag keeps the percent');
  t.same(planTraffic(undefined, { tag: ['@latest=candidate'] }), [{ latestRevision: true, percent: 100, tag: 'candidate' }]);
  t.throws(() => planTraffic(cur, { tag: ['@latest=old'] }), { message: /^--tag: expected a tag not in use/ });
  t.throws(() => planTraffic(cur, { untag: ['nope'] }), { message: /^--untag: expected a tag of the service \(old\)/ });
  t.throws(() => planTraffic(undefined, { traffic: ['@latest=90,v1=20'] }), { message: /^--traffic: expected percentages that add up to 100, got 110/ });
  t.throws(() => planTraffic(undefined, { traffic: ['v1:50'] }), { message: /^--traffic: expected REVISION=PERCENT/ });
  t.throws(() => planTraffic(undefined, { traffic: ['a-00003=100'] }, ['a-00001']), { message: /^--traffic: expected an existing revision \(a-00001\) or @latest/ });
});

t.test('specs are checked as Knative\'s webhook would, naming the field', async (t) => {
  const ok = { name: 'a', namespace: 'b', image: 'i' };
  t.throws(() => validateSpec({ ...ok, concurrencyLimit: 1001 }), { message: /^--concurrency-limit: expected an integer from 0 to 1000/ });
  t.throws(() => validateSpec({ ...ok, utilization: 120 }), { message: /^--scale-utilization: expected an integer from 0 to 100/ });
  t.throws(() => validateSpec({ ...ok, limits: { gpu: '1' } }), { message: /^--limit: expected cpu, memory, ephemeral-storage/ });
  t.throws(() => validateSpec({ ...ok, minScale: -1 }, (_f, k) => `-f x.nix: ${k}`), { message: /^-f x\.nix: scale\.min: expected/ });
});

t.test('Ready is the current generation observed and Ready=True; the specific False condition explains a failure', async (t) => {
  const svc = (generation: number, observedGeneration: number, conditions: { type: string; status: string; reason?: string; message?: string }[]) => ({ metadata: { name: 'a', namespace: 'b', generation }, status: { observedGeneration, conditions } });
  t.equal(serviceState(svc(2, 1, [{ type: 'Ready', status: 'True' }])).phase, 'pending', 'an older generation\'s Ready does not count');
  t.equal(serviceState(svc(2, 2, [{ type: 'Ready', status: 'True' }])).phase, 'ready');
  t.same(serviceState(svc(1, 1, [
    { type: 'ConfigurationsReady', status: 'False', reason: 'RevisionFailed', message: 'Revision "a-00001" failed' },
    { type: 'Ready', status: 'False', reason: 'RevisionMissing', message: 'Configuration "a" does not have any ready Revision.' },
  ])), { phase: 'failed', message: 'RevisionFailed: Revision "a-00001" failed' });
  t.same(serviceState(svc(1, 1, [
    { type: 'RoutesReady', status: 'False', reason: 'ConfigurationMissing', message: 'Configuration "a" referenced in traffic not found.' },
    { type: 'Ready', status: 'False', reason: 'ConfigurationMissing', message: 'Configuration "a" referenced in traffic not found.' },
  ])).phase, 'pending', 'a route that has not seen its own configuration yet is a lag, not a failure');
  t.equal(imageFromDocument({ apiVersion: 'iwp/v1', kind: 'Image', ref: 'r:5000/a/b:v1', digest, layers: [] }), `r:5000/a/b@${digest}`);
  t.throws(() => imageFromDocument({ apiVersion: 'iwp/v1', kind: 'Image', ref: 'oci-dir:/x', digest, layers: [] }), { message: /^Image\.ref: expected an image pushed/ });
});
