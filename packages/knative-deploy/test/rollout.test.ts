import t from 'tap';
import type { V1MutatingWebhookConfiguration, V1ValidatingWebhookConfiguration } from '@kubernetes/client-node';
import { kubeClientNode } from '@iwp/core';
import { waitWebhooksConfigured } from '../src/rollout.js';
import { clients } from './lib/env.js';

// install's last wait (waitWebhooksConfigured), against the test environment's kube-apiserver:
// webhook configurations arrive without a CA, and install must not return until the webhook
// has written its CA into every webhook of them. Here the test plays the webhook's part, so the
// moment the CA lands is known. The configurations cover a made-up group and match no object
// (objectSelector on a label nothing carries, failurePolicy Ignore): tests running beside this
// one are never sent to them.
const skip = !process.env.KUBECONFIG && 'needs the test environment (scripts/testenv up kube)';
const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nnot checked by the apiserver\n-----END CERTIFICATE-----\n').toString('base64');

function webhook(name: string, caBundle?: string) {
  return {
    name, admissionReviewVersions: ['v1'], sideEffects: 'None', failurePolicy: 'Ignore', timeoutSeconds: 1,
    clientConfig: { service: { name: 'webhook', namespace: 'iwp-rollout-test-absent', port: 443 }, ...(caBundle ? { caBundle } : {}) },
    rules: [{ apiGroups: ['rollout-test.iwp.dev'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['nothings'], scope: '*' }],
    objectSelector: { matchLabels: { 'rollout-test.iwp.dev/never': 'true' } },
  };
}

t.test('install waits until the webhook has written its CA into every webhook of its configurations', { skip }, async (t) => {
  const { kc } = clients();
  const adm = kc.makeApiClient(kubeClientNode().AdmissionregistrationV1Api);
  const suffix = `${process.pid}-${Math.floor(Math.random() * 1e6)}`;
  const validating: V1ValidatingWebhookConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: `rollout-test-v-${suffix}` },
    // one webhook already has a CA, the other not yet: the configuration is not ready
    webhooks: [webhook('a.rollout-test.iwp.dev', ca), webhook('b.rollout-test.iwp.dev')],
  };
  const mutating: V1MutatingWebhookConfiguration = {
    apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: `rollout-test-m-${suffix}` },
    webhooks: [webhook('m.rollout-test.iwp.dev')],
  };
  await adm.createValidatingWebhookConfiguration({ body: validating });
  t.teardown(() => adm.deleteValidatingWebhookConfiguration({ name: validating.metadata!.name! }).then(() => undefined, () => undefined));
  await adm.createMutatingWebhookConfiguration({ body: mutating });
  t.teardown(() => adm.deleteMutatingWebhookConfiguration({ name: mutating.metadata!.name! }).then(() => undefined, () => undefined));
  const configs = [validating, mutating];

  await t.rejects(waitWebhooksConfigured(kc, configs, Date.now() + 300), {
    code: 'TIMEOUT', exitCode: 5, message: `ValidatingWebhookConfiguration ${validating.metadata!.name}: the webhook has not written its CA into it in time`,
  }, 'no CA in one webhook of the first: a timeout (exit 5) naming that configuration');

  // the webhook's part, done while install waits: the validating configuration first, then the mutating one
  let returned = false;
  const waiting = waitWebhooksConfigured(kc, configs, Date.now() + 30_000).then(() => { returned = true; });
  const writeCa = async (kind: 'Validating' | 'Mutating', name: string) => {
    const cur = kind === 'Validating' ? await adm.readValidatingWebhookConfiguration({ name }) : await adm.readMutatingWebhookConfiguration({ name });
    for (const w of cur.webhooks ?? []) w.clientConfig.caBundle = ca;
    if (kind === 'Validating') await adm.replaceValidatingWebhookConfiguration({ name, body: cur as V1ValidatingWebhookConfiguration });
    else await adm.replaceMutatingWebhookConfiguration({ name, body: cur as V1MutatingWebhookConfiguration });
  };
  await new Promise((r) => setTimeout(r, 400));
  t.notOk(returned, 'still waiting while neither has its CA');
  await writeCa('Validating', validating.metadata!.name!);
  await new Promise((r) => setTimeout(r, 400));
  t.notOk(returned, 'still waiting while the mutating configuration has no CA');
  await writeCa('Mutating', mutating.metadata!.name!);
  await waiting;
  t.ok(returned, 'returns once every webhook of both has its CA');
  const [v, m] = [await adm.readValidatingWebhookConfiguration({ name: validating.metadata!.name! }), await adm.readMutatingWebhookConfiguration({ name: mutating.metadata!.name! })];
  t.same([...(v.webhooks ?? []), ...(m.webhooks ?? [])].map((w) => w.clientConfig.caBundle), [ca, ca, ca], 'what it waited for is what the apiserver holds');
});
