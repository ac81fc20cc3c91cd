import t from 'tap';
import { imageFromDocument, parseTraffic, serviceManifest } from '../src/service.js';

const digest = `sha256:${'a'.repeat(64)}`;

t.test('the Service manifest carries the autoscaling settings kn would write', async (t) => {
  const m = serviceManifest({
    name: 'hello', namespace: 'web', image: `r:5000/hello@${digest}`, env: { TARGET: 'x', A: 'b' }, port: 8080,
    minScale: 0, maxScale: 5, target: 10, concurrencyLimit: 50, traffic: parseTraffic(['@latest=90,hello-00001=10'], ['hello-00001=old']),
  });
  t.same(m.spec, {
    template: {
      metadata: {
        annotations: {
          'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev', 'autoscaling.knative.dev/metric': 'concurrency',
          'autoscaling.knative.dev/min-scale': '0', 'autoscaling.knative.dev/max-scale': '5', 'autoscaling.knative.dev/target': '10',
        },
      },
      spec: {
        containerConcurrency: 50,
        containers: [{ image: `r:5000/hello@${digest}`, env: [{ name: 'A', value: 'b' }, { name: 'TARGET', value: 'x' }], ports: [{ containerPort: 8080 }] }],
      },
    },
    traffic: [{ latestRevision: true, percent: 90 }, { revisionName: 'hello-00001', latestRevision: false, percent: 10, tag: 'old' }],
  });
});

t.test('traffic and image input are checked', async (t) => {
  t.throws(() => parseTraffic(['@latest=90,v1=20']), { message: /^--traffic: expected percentages that add up to 100, got 110/ });
  t.throws(() => parseTraffic(['v1:50']), { message: /^--traffic: expected REVISION=PERCENT/ });
  t.same(parseTraffic([], ['@latest=candidate']), [{ latestRevision: true, percent: 100, tag: 'candidate' }]);
  t.equal(imageFromDocument({ apiVersion: 'iwp/v1', kind: 'Image', ref: 'r:5000/a/b:v1', digest, layers: [] }), `r:5000/a/b@${digest}`);
  t.throws(() => imageFromDocument({ apiVersion: 'iwp/v1', kind: 'Image', ref: 'oci-dir:/x', digest, layers: [] }), { message: /^Image\.ref: expected an image pushed/ });
});
