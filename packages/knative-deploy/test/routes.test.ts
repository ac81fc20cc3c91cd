import t from 'tap';
import { pickBackend, readyStatus, routeTable, type KIngress } from '../src/ingress/routes.js';

const ing: KIngress = {
  metadata: { name: 'hello', namespace: 'web', generation: 3 },
  spec: {
    rules: [{
      hosts: ['hello.web', 'hello.web.svc', 'hello.web.svc.cluster.local'], visibility: 'ClusterLocal',
      http: { paths: [{ splits: [
        { serviceName: 'hello-00001', serviceNamespace: 'web', servicePort: 80, percent: 90, appendHeaders: { 'Knative-Serving-Revision': 'hello-00001', 'Knative-Serving-Namespace': 'web' } },
        { serviceName: 'hello-00002', serviceNamespace: 'web', servicePort: 80, percent: 10, appendHeaders: { 'Knative-Serving-Revision': 'hello-00002', 'Knative-Serving-Namespace': 'web' } },
      ] }] },
    }, {
      hosts: ['old-hello.web.svc.cluster.local'],
      http: { paths: [{ appendHeaders: { 'Knative-Serving-Tag': 'old' }, splits: [{ serviceName: 'hello-00001', serviceNamespace: 'web', servicePort: 80, percent: 100 }] }] },
    }],
  },
};

t.test('routes by Host (any case, port dropped) and split by percent, with Knative\'s headers', async (t) => {
  const table = routeTable([ing]);
  t.same(pickBackend(table, 'Hello.web.svc.cluster.local:80', '/', {}, 0.5), { target: 'hello-00001.web.svc.cluster.local:80', headers: { 'Knative-Serving-Revision': 'hello-00001', 'Knative-Serving-Namespace': 'web' } });
  t.equal(pickBackend(table, 'hello.web', '/x', {}, 0.95)?.target, 'hello-00002.web.svc.cluster.local:80');
  t.same(pickBackend(table, 'old-hello.web.svc.cluster.local', '/', {}), { target: 'hello-00001.web.svc.cluster.local:80', headers: { 'Knative-Serving-Tag': 'old' } });
  t.equal(pickBackend(table, 'nope.web', '/', {}), undefined);
  let second = 0;
  for (let i = 0; i < 1000; i++) if (pickBackend(table, 'hello.web', '/', {}, i / 1000)!.target.startsWith('hello-00002')) second++;
  t.equal(second, 100, 'exactly 10% of the unit interval');
  t.match(readyStatus(ing, 'iwp-ingress.knative-serving.svc.cluster.local'), { observedGeneration: 3, publicLoadBalancer: { ingress: [{ domainInternal: 'iwp-ingress.knative-serving.svc.cluster.local' }] } });
});
