import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { schemas, type Kind } from '../src/documents.js';
import { validateDocument } from '../src/validate.js';

// One document of every kind, shaped as the command that prints (or the store that keeps) it
// builds it; each must pass its schema, and every kind in `schemas` has a sample here.
const v = { apiVersion: 'iwp/v1' } as const;
const digest = `sha256:${'a'.repeat(64)}`;
const sp = '/nix/store/0c8zi6adkmlz9rdawv5d1g8ywhmz1v4r-hello-2.12';
const time = '2026-01-02T03:04:05.000Z';
const lock = { stack: 'dev', id: 'b3c1', who: 'me@host', pid: 42, created: time, expires: time, ttlMs: 60000 };
const change = { op: 'replace', path: '/replicas', old: 1, new: 2 };

const samples: Record<Kind, Record<string, unknown>> = {
  Image: { ...v, kind: 'Image', ref: '127.0.0.1:5000/hello:latest', digest, layers: [{ digest, diffId: digest, size: 10, storePaths: [sp] }], push: { uploaded: 1, skipped: 0, mounted: 0, bytesUploaded: 10 } },
  LayerPlan: { ...v, kind: 'LayerPlan', image: 'hello', maxLayers: 100, lock: 'layers.lock', layers: [{ layer: 1, storePaths: [sp], size: 120 }, { layer: 2, storePaths: [], size: 0 }], totalSize: 120 },
  LayerLock: { ...v, kind: 'LayerLock', layers: [['hello-2.12', 'glibc-2.40'], ['bash-5.2']] },
  Cluster: { ...v, kind: 'Cluster', name: 'dev', provider: 'ec2', kubeconfig: '/s/kubeconfig', context: 'iwp-dev', nodes: [{ name: 'dev-cp-1', role: 'control-plane', ready: true }], region: 'eu-west-1', readiness: 'instances' },
  ClusterPlan: { ...v, kind: 'ClusterPlan', name: 'dev', provider: 'local', kubernetes: { version: 'v1.34.4' }, stateDir: '/s', processes: ['etcd'], resources: [{ type: 'state-dir', name: '/s' }, { type: 'node', name: 'dev-worker-1', runtime: 'kwok' }] },
  ClusterDeletion: { ...v, kind: 'ClusterDeletion', provider: 'local', name: 'dev', stopped: ['etcd'], removed: true },
  ClusterEntry: { ...v, kind: 'ClusterEntry', name: 'dev', provider: 'kind', stateDir: '/s', running: false, detail: 'no container' },
  Kubeconfig: { ...v, kind: 'Kubeconfig', name: 'dev', kubeconfig: '/home/me/.kube/config', context: 'iwp-dev', merged: true },
  Environment: { ...v, kind: 'Environment', name: 'dev', provider: 'local', kubernetes: { version: 'v1.34.4' }, nodes: [{ role: 'control-plane', count: 1 }] },
  KnativeService: { ...v, kind: 'KnativeService', name: 'hello', namespace: 'default', ready: true, generation: 1, traffic: [{ revisionName: 'hello-00001', percent: 100 }] },
  KnativeRevision: { ...v, kind: 'KnativeRevision', name: 'hello-00001', namespace: 'default', service: 'hello', generation: 1, ready: true, percent: 100, tags: [] },
  KnativeServiceDiff: { ...v, kind: 'KnativeServiceDiff', name: 'hello', namespace: 'default', exists: false, newRevision: true, generation: { from: null, to: 1 }, changes: [{ op: 'add', path: '/spec', new: {} }] },
  KnativeServiceDeletion: { ...v, kind: 'KnativeServiceDeletion', name: 'hello', namespace: 'default', deleted: true },
  KnativeInstall: { ...v, kind: 'KnativeInstall', apiOnly: false, version: 'v0.46.0', source: 'knative.dev/serving@v0.46.0', namespace: 'knative-serving', images: 'build', networking: 'local', built: [{ path: 'knative.dev/serving/cmd/activator', ref: `127.0.0.1:5000/activator@${digest}`, pushed: true }], crds: ['services.serving.knative.dev'], configMaps: ['config-network'], deployments: ['knative-serving/activator'], objects: 3 },
  KnativeManifest: { ...v, kind: 'KnativeManifest', component: 'serving', version: 'v0.46.0', release: '', sources: ['serving.yaml'], releaseImages: {}, objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'knative-serving' } }] },
  CachePush: { ...v, kind: 'CachePush', store: 's3://cache', paths: 3, uploaded: 2, skipped: 1, bytes: 1000, seconds: 0.25 },
  CacheVerify: { ...v, kind: 'CacheVerify', store: 's3://cache', checked: 3, ok: 2, failed: [{ storePath: sp, problem: 'NAR hash mismatch' }] },
  CacheGC: { ...v, kind: 'CacheGC', store: 's3://cache', dryRun: true, kept: 3, deleted: 1, bytesFreed: 100 },
  CacheExists: { ...v, kind: 'CacheExists', store: 'file:///c', present: [sp], missing: [] },
  CacheKey: { ...v, kind: 'CacheKey', name: 'cache.example.org-1', publicKey: `cache.example.org-1:${Buffer.alloc(32, 7).toString('base64')}`, secretKeyFile: 'cache.sec', publicKeyFile: 'cache.pub' },
  CacheServer: { ...v, kind: 'CacheServer', store: 'file:///c', url: 'http://127.0.0.1:8080' },
  CacheLease: { ...v, kind: 'CacheLease', role: 'push', id: 'b3c1', who: 'me@host', pid: 42, created: time, expires: time, ttlMs: 120000, paths: ['0c8zi6adkmlz9rdawv5d1g8ywhmz1v4r'], nars: [] },
  BinaryCache: { ...v, kind: 'BinaryCache', store: 'file:///c', storeDir: '/nix/store', priority: 40, wantMassQuery: true },
  StateInfo: { ...v, kind: 'StateInfo', stack: 'dev', store: 's3://state', version: 3, lock: null },
  StateDiff: { ...v, kind: 'StateDiff', stack: 'dev', version: null, identical: false, changes: [change] },
  StateVersion: { ...v, kind: 'StateVersion', stack: 'dev', version: 3, size: 120, modified: time },
  StatePrune: { ...v, kind: 'StatePrune', stack: 'dev', store: 's3://b/p', version: 4, versions: 4, deleted: ['dev/history/000000000003.w2.w1.json'], dryRun: false },
  StackState: { ...v, kind: 'StackState', stack: 'dev', version: 3, updatedBy: 'me@host', updatedAt: time, sha256: 'b'.repeat(64), size: 3, encoding: 'json', state: { a: 1 } },
  StatePointer: { ...v, kind: 'StatePointer', stack: 'dev', version: 3, updatedBy: 'me@host', updatedAt: time, sha256: 'b'.repeat(64), size: 3, encoding: 'json', body: 'history/3.json' },
  StateMoved: { ...v, kind: 'StateMoved', stack: 'dev', version: 0 },
  Stack: { ...v, kind: 'Stack', name: 'dev', createdBy: 'me@host', created: time, encryption: ['kms:alias/state'] },
  BackendCheck: { ...v, kind: 'BackendCheck', store: 's3://state', ok: true, conditionalCreate: true, conditionalReplace: true, conditionalDelete: true, checkedAt: time },
  Lock: { ...v, kind: 'Lock', ...lock, expired: false },
  MonitoringStack: { ...v, kind: 'MonitoringStack', namespace: 'monitoring', components: [{ name: 'prometheus', kind: 'Deployment', ready: true }], targets: [], targetsUp: 0, targetsDown: 0 },
  QueryResult: { ...v, kind: 'QueryResult', query: 'up', rangeSeconds: 3600, resultType: 'matrix', result: [{ metric: { job: 'x' }, values: [[1, '1']] }] },
  PortForward: { ...v, kind: 'PortForward', target: 'grafana', namespace: 'monitoring', pod: 'grafana-0', url: 'http://127.0.0.1:3000' },
  DashboardExport: { ...v, kind: 'DashboardExport', dir: 'out', files: ['out/knative.json'] },
  PipelineRun: { ...v, kind: 'PipelineRun', id: '20250102-030405-a1b2c3', event: { id: 'e1', source: 'github', type: 'push' }, status: 'succeeded', startedAt: time, jobs: [{ name: 'build', status: 'succeeded', exitCode: 0 }] },
  PipelineRunLogs: { ...v, kind: 'PipelineRunLogs', run: '20250102', logs: [{ job: '(script)', location: '/runs/x/script.log', text: 'ok\n' }] },
  Error: { ...v, kind: 'Error', code: 'LOCK_HELD', message: 'held', details: { who: 'me' } },
};

t.test('a sample of every kind passes its schema', async (t) => {
  t.same(Object.keys(samples).sort(), Object.keys(schemas).sort(), 'one sample per kind in schemas');
  for (const [kind, sample] of Object.entries(samples)) {
    t.doesNotThrow(() => validateDocument(sample, [kind as Kind], 'sample'), kind);
  }
});

t.test('the schemas refuse what the contract rules out', async (t) => {
  const bad: Array<[Kind, Record<string, unknown>, RegExp]> = [
    ['ClusterPlan', { ...samples.ClusterPlan, provider: 'aws' }, /provider/],
    ['ClusterPlan', { ...samples.ClusterPlan, resources: [{ type: 'vpc' }] }, /resources\[0\]\.name/],
    ['CacheExists', { ...samples.CacheExists, present: ['hello'] }, /present\[0\]/],
    ['CacheKey', { ...samples.CacheKey, publicKey: `${samples.CacheKey.publicKey}\n` }, /publicKey/],
    ['StateDiff', { ...samples.StateDiff, changes: [{ op: 'move', path: '/a' }] }, /changes\[0\]\.op/],
    ['KnativeInstall', { ...samples.KnativeInstall, images: 'docker' }, /images/],
    ['PortForward', { ...samples.PortForward, target: 'alertmanager' }, /target/],
    ['StackState', { ...samples.StackState, sha256: 'abc' }, /sha256/],
    ['StatePointer', { ...samples.StatePointer, body: '' }, /body/],
    ['StateMoved', { ...samples.StateMoved, version: -1 }, /version/],
  ];
  for (const [kind, doc, field] of bad) {
    t.throws(() => validateDocument(doc, [kind], 'sample'), { code: 'BAD_DOCUMENT', message: field }, `${kind} ${field}`);
  }
  t.notOk(Value.Check(schemas.LayerLock, { ...samples.LayerLock, layers: [[1]] }), 'LayerLock names are strings');
});
