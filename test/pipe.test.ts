import t from 'tap';
import { root, shell } from './lib/tools.js';

const env = process.env;
const skip = (!env.KUBECONFIG || !env.IWP_REGISTRY || !env.IWP_CLUSTER) && 'needs the test environment (scripts/testenv up)';
const skipKnative = skip || (!env.IWP_KNATIVE_BIN && 'needs Knative in the test environment (scripts/testenv up knative)');
const state = `${root}.testenv/kube`;

t.test('cluster-up | knative-deploy install: the Cluster document leads the second tool to the cluster', { skip }, async (t) => {
  const r = await shell(`cluster-up status iwp-testenv --state-dir ${state} | knative-deploy install`, { env: { KUBECONFIG: '/nonexistent' } });
  t.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  t.match(doc, { apiVersion: 'iwp/v1', kind: 'KnativeInstall', namespace: 'knative-serving' });
  t.ok(doc.crds.includes('services.serving.knative.dev'), 'the Service CRD is installed');
});

t.test('nix-image build --push | knative-deploy apply: the pushed digest runs as a Ready Knative Service', { skip: skipKnative }, async (t) => {
  const name = `pipe-${process.pid}`;
  const ref = `${env.IWP_REGISTRY}/e2e-helloworld:${process.pid}`;
  const r = await shell(
    `nix-image build nix/images/helloworld --push ${ref} | knative-deploy apply --name ${name} --scale-min 0 --scale-target 10 -e TARGET=e2e --wait-timeout 120s`,
    { cwd: root },
  );
  t.equal(r.exitCode, 0, r.stderr);
  const svc = JSON.parse(r.stdout);
  t.match(svc, { apiVersion: 'iwp/v1', kind: 'KnativeService', name, namespace: 'default', generation: 1, ready: true, url: `http://${name}.default.svc.cluster.local` });
  const img = await shell(`skopeo inspect --tls-verify=false --format '{{.Digest}}' docker://${ref}`);
  t.equal(svc.image, `${env.IWP_REGISTRY}/e2e-helloworld@${img.stdout.trim()}`, 'the Service runs exactly the pushed digest');
  const revs = JSON.parse((await shell(`knative-deploy revisions ${name}`)).stdout);
  t.match(revs.items, [{ name: `${name}-00001`, ready: true, percent: 100, imageDigest: svc.image }], "Knative's controller runs that digest");
  const del = await shell(`knative-deploy delete ${name} --wait`);
  t.equal(del.exitCode, 0);
});

t.test('a document of the wrong kind piped in: exit 2, one line, Error document', async (t) => {
  const r = await shell(`echo '{"apiVersion":"iwp/v1","kind":"Image","ref":"x","digest":"sha256:${'0'.repeat(64)}","layers":[]}' | knative-deploy install --json`);
  t.equal(r.exitCode, 2);
  t.match(JSON.parse(r.stdout), { kind: 'Error', code: 'WRONG_KIND', message: /kind: expected Cluster, got "Image"/ });
  t.equal(r.stderr.trim().split('\n').length, 1, 'one line on stderr');
  const bad = await shell(`echo '{not json' | knative-deploy apply --name x --json`);
  t.equal(bad.exitCode, 2);
  t.match(JSON.parse(bad.stdout), { kind: 'Error' });
});
