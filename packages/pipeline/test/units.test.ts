import t from 'tap';
import { createHmac } from 'node:crypto';
import { sign, verifySignature } from '../src/server/signature.js';
import { DeliveryLog } from '../src/server/deliveries.js';
import { parseSecrets } from '../src/secrets.js';
import { LineSplitter, Masker } from '../src/mask.js';
import { parseImageRef } from '@iwp/core';
import { isInsecure } from '../src/executors/runc/image-cache.js';
import { containerArgs, renderRuntimeConfig } from '../src/executors/runc/runtime-config.js';
import { renderPod, podFacts } from '../src/executors/pod/render.js';
import { mapContainerPath } from '../src/executors/process/executor.js';
import { parseListen, parseSize } from '../src/cli/listen.js';
import { genericEvent, githubEvent } from '../src/event.js';
import { newestFirst, newRunId, RUN_ID_PATTERN } from '../src/run-id.js';
import type { ContainerSpec, JobSpec } from '../src/executors/types.js';
import { tempDir } from './helpers.js';

t.test('signature: GitHub X-Hub-Signature-256', async (t) => {
  // the example of GitHub's documentation on validating webhook deliveries
  t.equal(sign("It's a Secret to Everybody", 'Hello, World!'), 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  const body = Buffer.from('{"a":1}');
  const good = `sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`;
  t.ok(verifySignature('s3cret', body, good));
  t.ok(verifySignature('s3cret', body, good.toUpperCase().replace('SHA256', 'sha256')), 'hex case does not matter');
  t.notOk(verifySignature('other', body, good));
  t.notOk(verifySignature('s3cret', Buffer.from('{"a":2}'), good));
  t.notOk(verifySignature('s3cret', body, undefined));
  t.notOk(verifySignature('s3cret', body, good.slice(0, -2)));
  t.notOk(verifySignature('s3cret', body, `sha1=${good.slice(7)}`));
});

t.test('deliveries: claimed once, also across instances; released; pruned', async (t) => {
  const dir = await tempDir(t);
  const a = new DeliveryLog(dir);
  const b = new DeliveryLog(dir);
  const results = await Promise.all([a.claim('x-1'), b.claim('x-1'), a.claim('x-1')]);
  t.same(results.filter(Boolean).length, 1, 'exactly one claim wins');
  t.equal(await b.claim('x-1'), false);
  await a.release('x-1');
  t.equal(await b.claim('x-1'), true);
  await t.rejects(a.claim('../etc/passwd'), /delivery id: expected/);
  t.equal(await a.prune(1000, Date.now() + 5000), 1);
  t.equal(await a.claim('x-1'), true);
});

t.test('secrets files: JSON or KEY=VALUE; errors never echo values', async (t) => {
  t.same(parseSecrets('{"A":"1","B":"two"}', 'f'), { A: '1', B: 'two' });
  t.same(parseSecrets('# c\nA=1\nexport B="two words"\n\nC=\'x=y\'\n', 'f'), { A: '1', B: 'two words', C: 'x=y' });
  t.throws(() => parseSecrets('{"A": 1}', 'f'), { message: 'f: A: expected a string value, got "number"' });
  t.throws(() => parseSecrets('not a pair\n', 'f'), { message: 'f: line 1: expected KEY=VALUE' });
  try {
    parseSecrets('{"A": "hunter22", ', 'f');
    t.fail('expected to throw');
  } catch (err) {
    t.match((err as Error).message, /^f: malformed JSON/);
    t.notMatch((err as Error).message, 'hunter22');
  }
});

t.test('masking: every occurrence, longest first, short values left alone', async (t) => {
  const m = new Masker(['abcd', 'abcdef', 'xy', '']);
  t.equal(m.mask('abcdef abcd xy'), '*** *** xy');
  t.equal(m.mask('a.b'), 'a.b');
  t.equal(new Masker(['a.c+d']).mask('a.c+d abc+d'), '*** abc+d', 'values are literal, not patterns');
  const s = new LineSplitter();
  t.same(s.push('ab'), []);
  t.same(s.push('cd\nef\ng'), ['abcd', 'ef']);
  t.same(s.flush(), ['g']);
});

t.test('image references (core\'s parser as the runc executor calls it)', async (t) => {
  const docker = { defaultRegistry: 'docker.io' };
  t.same(parseImageRef('127.0.0.1:5000/a/b:1', docker), { registry: '127.0.0.1:5000', repository: 'a/b', tag: '1' });
  t.same(parseImageRef('debian:12', docker), { registry: 'docker.io', repository: 'library/debian', tag: '12' });
  t.same(parseImageRef('acme/web', docker), { registry: 'docker.io', repository: 'acme/web' });
  t.same(parseImageRef(`localhost/x@sha256:${'a'.repeat(64)}`, docker), { registry: 'localhost', repository: 'x', digest: `sha256:${'a'.repeat(64)}` });
  t.throws(() => parseImageRef('UPPER/case', docker), { message: /^image: expected an image reference/ });
  t.ok(isInsecure('127.0.0.1:5000'));
  t.ok(isInsecure('localhost:5000'));
  t.notOk(isInsecure('registry.example:5000'));
  t.ok(isInsecure('registry.example:5000', ['registry.example:5000']));
});

const container = (over: Partial<ContainerSpec> = {}): ContainerSpec => ({
  image: 'img', imagePullPolicy: 'IfNotPresent', command: [], args: [], env: {}, workingDirectory: '',
  workspaceMountPath: '', sourceMountPath: '', privileged: false, ...over,
});

t.test('runc config: entrypoint and cmd as docker resolves them; mounts; host network', async (t) => {
  const image = { Entrypoint: ['/entry'], Cmd: ['default'], WorkingDir: '/app' };
  t.same(containerArgs(container(), image), ['/entry', 'default']);
  t.same(containerArgs(container({ args: ['x'] }), image), ['/entry', 'x']);
  t.same(containerArgs(container({ command: ['sh'], args: ['-c', 'y'] }), image), ['sh', '-c', 'y']);
  const base = {
    process: { terminal: true, args: ['/entry', 'default'], env: ['PATH=/bin', 'TERM=xterm', 'A=1'], cwd: '/app' },
    root: { path: 'rootfs' },
    mounts: [{ destination: '/proc', type: 'proc', source: 'proc' }],
    linux: { namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'mount' }] },
  };
  const c = renderRuntimeConfig(base, image, container({ env: { A: '2', B: '3' }, workspaceMountPath: '/ws', sourceMountPath: '/src' }), { workspaceDir: '/host/ws', sourceDir: '/host/src' }, 'job');
  t.same(c.process.env, ['PATH=/bin', 'A=2', 'B=3']);
  t.equal(c.process.terminal, false);
  t.equal(c.process.cwd, '/app');
  t.same(c.linux?.namespaces, [{ type: 'pid' }, { type: 'mount' }]);
  t.same(c.mounts.slice(1), [
    { destination: '/ws', type: 'bind', source: '/host/ws', options: ['rbind', 'rw'] },
    { destination: '/src', type: 'bind', source: '/host/src', options: ['rbind', 'ro'] },
  ]);
  t.throws(() => renderRuntimeConfig(base, {}, container(), { workspaceDir: '/w' }, 'j'), { message: /no entrypoint or cmd/ });
});

t.test('process paths under mount points map onto the run directories', async (t) => {
  const c = { workspaceMountPath: '/workspace', sourceMountPath: '/src' };
  const ctx = { workspaceDir: '/runs/r/workspace', sourceDir: '/checkout' };
  t.equal(mapContainerPath('/workspace/out/a.txt', c, ctx), '/runs/r/workspace/out/a.txt');
  t.equal(mapContainerPath('/workspace', c, ctx), '/runs/r/workspace');
  t.equal(mapContainerPath('/src/nix', c, ctx), '/checkout/nix');
  t.equal(mapContainerPath('/workspaces', c, ctx), '/workspaces');
  t.equal(mapContainerPath('relative', c, ctx), 'relative');
});

t.test('pod spec of a job', async (t) => {
  const spec: JobSpec = {
    runId: '20250101-000000-abcdef', name: 'Build Image', timeoutMs: 60_000, nodeSelector: { disk: 'ssd' },
    primary: container({ image: 'r/img:1', command: ['make'], args: ['all'], env: { A: '1' }, workspaceMountPath: '/ws', privileged: true }),
    sidecars: { db: container({ image: 'postgres' }) },
  };
  const pod = renderPod(spec, { name: 'iwp-x', namespace: 'ns', jobLabel: 'build-image' });
  t.match(pod, {
    metadata: { name: 'iwp-x', namespace: 'ns', labels: { 'iwp.dev/run': spec.runId, 'iwp.dev/job': 'build-image' }, annotations: { 'iwp.dev/job-name': 'Build Image' } },
    spec: { restartPolicy: 'Never', nodeSelector: { disk: 'ssd' }, volumes: [{ name: 'workspace', emptyDir: {} }], activeDeadlineSeconds: 120 },
  });
  t.match(pod.spec!.containers[0], { name: 'primary', image: 'r/img:1', command: ['make'], args: ['all'], env: [{ name: 'A', value: '1' }], securityContext: { privileged: true }, volumeMounts: [{ mountPath: '/ws' }] });
  t.match(pod.spec!.containers[1], { name: 'db', image: 'postgres' });
  t.same(podFacts({ metadata: { name: 'p', namespace: 'n' }, spec: { containers: [], nodeName: 'kwok-1' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'primary', image: 'i', imageID: '', ready: true, restartCount: 0, state: { running: {} } }] } }),
    { namespace: 'n', name: 'p', phase: 'Running', nodeName: 'kwok-1', conditions: { Ready: 'True' }, container: { state: 'running' } });
});

t.test('events from webhooks', async (t) => {
  const gh = githubEvent('pull_request', JSON.stringify({ action: 'opened', repository: { full_name: 'o/r', clone_url: 'u' }, pull_request: { head: { sha: 'abc', ref: 'feat' } } }), 'd');
  t.match(gh, { source: 'brigade.sh/github', type: 'pull_request:opened', qualifiers: { repo: 'o/r' }, git: { cloneURL: 'u', commit: 'abc', ref: 'feat' }, deliveryId: 'd' });
  t.throws(() => githubEvent('push', '[1]'), { message: 'payload: expected a JSON object, got "an array"' });
  t.throws(() => githubEvent('push', '{'), { message: /^payload: malformed JSON/ });
  t.match(genericEvent('{"source":"s","type":"t","payload":{"a":1},"labels":{"x":"y"}}'), { source: 's', type: 't', payload: '{"a":1}', labels: { x: 'y' } });
  t.throws(() => genericEvent('{"source":"s","type":"t","labels":{"x":1}}'), { message: 'body.labels: expected an object of strings, got {"x":1}' });
});

t.test('flags: --listen, --max-body; run ids', async (t) => {
  t.same(parseListen('127.0.0.1:8080'), { host: '127.0.0.1', port: 8080 });
  t.same(parseListen('[::1]:0'), { host: '::1', port: 0 });
  t.same(parseListen(':9000'), { host: '0.0.0.0', port: 9000 });
  t.throws(() => parseListen('8080'), { message: '--listen: expected HOST:PORT such as 127.0.0.1:8080, got "8080"' });
  t.throws(() => parseListen('h:70000'), { exitCode: 2 });
  t.equal(parseSize('25MiB', 'f'), 25 * 1024 * 1024);
  t.equal(parseSize('1k', 'f'), 1024);
  t.throws(() => parseSize('lots', '--max-body'), { message: /^--max-body: expected a size/ });
  const id = newRunId(new Date('2025-01-02T03:04:05Z'));
  t.match(id, /^20250102-030405-[0-9a-f]{6}$/);
  t.match(id, RUN_ID_PATTERN);
  // two runs of one second: their ids order them at random, their start times do not
  const older = { id: '20250102-030405-ffffff', startedAt: '2025-01-02T03:04:05.100Z' };
  const newer = { id: '20250102-030405-000000', startedAt: '2025-01-02T03:04:05.900Z' };
  const earlier = { id: '20250102-030404-abcdef', startedAt: '2025-01-02T03:04:04.000Z' };
  t.same(newestFirst([older, earlier, newer]).map((r) => r.id), [newer.id, older.id, earlier.id], 'newest first by start time');
});
