import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { runPipeline } from '../src/run.js';
import { FileRunStore } from '../src/stores/file.js';
import { tempDir } from './helpers.js';

const skip = !process.env.KUBECONFIG;
const kc = new KubeConfig();
if (!skip) kc.loadFromDefault();
const core = skip ? undefined! : kc.makeApiClient(CoreV1Api);

/** A namespace for this test, deleted afterwards. */
async function namespace(t: Tap.Test): Promise<string> {
  const name = `iwp-pipeline-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  t.teardown(() => core.deleteNamespace({ name }).catch(() => undefined));
  return name;
}

async function script(t: Tap.Test, body: string): Promise<{ dir: string; file: string }> {
  const dir = await tempDir(t);
  const file = join(dir, 'pod.ts');
  await writeFile(file, `import { events, Job } from "@brigadecore/brigadier";\nevents.on("github", "push", async (event) => {\n${body}\n});\nevents.process();\n`);
  return { dir, file };
}

const podsOf = async (ns: string) => (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app.kubernetes.io/managed-by=iwp-pipeline' })).items;

t.test('a job runs as a Pod on the apiserver; on simulated (kwok) nodes it is reported Running until its timeout, then deleted', { skip: skip && 'KUBECONFIG not set: start the test environment (scripts/testenv up)' }, async (t) => {
  const ns = await namespace(t);
  const { dir, file } = await script(t, `
  const j = new Job("on-kwok", "registry.invalid/busybox:1", event);
  j.primaryContainer.command = ["echo", "hello from a pod"];
  j.timeoutSeconds = 8;
  await j.run();`);
  const notes: string[] = [];
  const r = await runPipeline({
    script: file, event: { source: 'github', type: 'push' }, store: new FileRunStore(join(dir, 'runs')),
    executors: { default: 'pod', pod: { namespace: ns, tolerations: [{ operator: 'Exists' }] } },
    onEvent: (e, f) => { if (e === 'job.note') notes.push(String(f.message)); },
  });
  const job = r.jobs[0] as Record<string, unknown> & { details?: { pod?: Record<string, unknown> } };
  t.match(job, { name: 'on-kwok', executor: 'pod', status: 'failed', exitCode: null, error: /^timed out after 8s \(pod phase (Pending|Running)\)$/ });
  const pod = job.details!.pod!;
  t.match(pod, { namespace: ns, name: /^iwp-\d{8}-\d{6}-[0-9a-f]{6}-on-kwok$/ });
  t.ok(notes.includes(`pod ${ns}/${pod.name} created`), 'creation reported');
  const nodes = (await core.listNode()).items;
  const fake = nodes.filter((n) => n.metadata?.annotations?.['kwok.x-k8s.io/node'] === 'fake');
  if (fake.length) {
    // kwok marks the pod Running on its node; no container actually starts there
    t.equal(pod.phase, 'Running', 'Kubernetes reports the pod Running');
    t.ok(fake.some((n) => n.metadata?.name === pod.nodeName), `scheduled on a kwok node (${pod.nodeName})`);
  } else {
    t.comment('no kwok nodes: the pod stays Pending');
  }
  for (let i = 0; i < 50 && (await podsOf(ns)).some((p) => !p.metadata?.deletionTimestamp); i++) await sleep(200);
  t.same((await podsOf(ns)).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name), [], 'the pod was deleted');
});

t.test("a Pod's exit code is the job's, as the API records it (the test stands in for the kubelet)", { skip: skip && 'KUBECONFIG not set' }, async (t) => {
  const ns = await namespace(t);
  const { dir, file } = await script(t, `
  const j = new Job("exits-4", "registry.invalid/busybox:1", event);
  j.primaryContainer.command = ["sh", "-c", "exit 4"];
  // no node has this label: neither the scheduler nor kwok touches the pod, the test plays kubelet
  j.host.nodeSelector = { "iwp.dev/test-kubelet": "stand-in" };
  j.timeoutSeconds = 60;
  await j.run();`);
  const kubelet = (async () => {
    for (let i = 0; i < 300; i++) {
      const [pod] = await podsOf(ns);
      if (pod) {
        pod.status = {
          phase: 'Failed',
          containerStatuses: [{ name: 'primary', image: 'registry.invalid/busybox:1', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 4, reason: 'Error' } } }],
        };
        // the scheduler writes the pod's status too (PodScheduled=False: no node matches):
        // a write on a stale resourceVersion gets 409, so read again and write again, as a kubelet does
        const written = await core.replaceNamespacedPodStatus({ name: pod.metadata!.name!, namespace: ns, body: pod })
          .then(() => true, (e: { code?: number }) => { if (e.code === 409) return false; throw e; });
        if (written) return pod.metadata!.name!;
        continue;
      }
      await sleep(100);
    }
    throw new Error('no pod appeared');
  })();
  const r = await runPipeline({ script: file, event: { source: 'github', type: 'push' }, store: new FileRunStore(join(dir, 'runs')), executors: { default: 'pod', pod: { namespace: ns } } });
  const name = await kubelet;
  t.match(r.jobs[0], { name: 'exits-4', status: 'failed', exitCode: 4, details: { pod: { name, phase: 'Failed', container: { state: 'terminated', exitCode: 4, reason: 'Error' } } } });
  t.equal(r.error, 'job exits-4 failed: exit code 4');
  await t.rejects(core.readNamespacedPod({ name, namespace: ns }), { code: 404 }, 'the pod was deleted');
});
