// git push to production on a local cluster with a real node and Knative Serving as pods:
// a commit that changes the helloworld app's text is built, cached and deployed by the shipped
// nix/pipelines/infrastructure.ts, and the service's URL answers the new text through the
// ingress; a commit whose image crashes fails the run at deploy, the URL keeps answering the
// old text and no lock is left. Skipped, saying why, where real nodes are not available.
import t from 'tap';
import { request } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { kubeClientNode, loadKubeConfig } from '@iwp/core';
import { realCluster, testBucket } from '@iwp/core/testing';
import { tempDir } from './helpers.js';
import { copyInto, testRepo } from './git-helpers.js';
import { startServer } from './serve-helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(root, 'nix/pipelines/infrastructure.ts');
const e = process.env;
const tool = (name: string, args: string[], opts: { env?: Record<string, string>; input?: string } = {}) =>
  execa(join(root, 'bin', name), args, { reject: false, env: opts.env ?? {}, ...(opts.input ? { input: opts.input } : { stdin: 'ignore' }) });

/** GET / of a Knative service through the ingress (host:port), with its Host. */
function get(ingress: string, host: string): Promise<string> {
  const [h, p] = ingress.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const req = request({ host: h, port: Number(p), path: '/', headers: { host }, timeout: 60_000, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(`${res.statusCode} ${body}`));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${host} via ${ingress}`)));
    req.on('error', reject);
    req.end();
  });
}

const service = (name: string) => `{ name = "${name}"; env = { TARGET = "iwp"; }; port = 8080; scale = { min = 1; max = 2; target = 10; }; }\n`;

const skip = (!e.IWP_REGISTRY || !e.AWS_ENDPOINT_URL) && 'needs the registry and the S3 emulator (scripts/testenv up)';
// a cluster, Knative as pods and two runs: longer than a test file's default time
t.setTimeout(1_500_000);

t.test('git push -> webhook -> build, cache, deploy on a real node: the URL answers the new text; a crashing image leaves the old one serving', { skip, timeout: 1_500_000 }, async (t) => {
  const cluster = await realCluster(t, `pl-prod-${process.pid % 10000}`);
  if (typeof cluster === 'string') return t.plan(0, cluster);
  const kube = { KUBECONFIG: cluster.kubeconfig };
  // Knative marks a revision whose container keeps crashing failed at its progress deadline
  // (config-deployment, 600 s by default): shortened here
  const installed = await tool('knative-deploy', ['install', '--images', 'build', '--networking', 'local', '--timeout', '600s',
    '--config', 'config-deployment.progress-deadline=45s'],
    { env: kube, input: JSON.stringify(cluster) });
  t.equal(installed.exitCode, 0, `Knative installed as pods: ${installed.stderr.split('\n').slice(-3).join(' | ')}`);
  if (installed.exitCode !== 0) return;
  const core = loadKubeConfig({ kubeconfig: cluster.kubeconfig }).makeApiClient(kubeClientNode().CoreV1Api);
  const ingress = `${(await core.readNamespacedService({ name: 'iwp-ingress', namespace: 'knative-serving' })).spec!.clusterIP}:80`;

  const dir = await tempDir(t);
  const name = `prod-${process.pid}`;
  const repo = await testRepo(t, 'helloworld');
  await copyInto(repo, root, ['nix/images/helloworld', 'nix/lib']);
  const cacheUrl = `s3://${await testBucket('prod-cache')}`;
  t.equal((await tool('cache-ctl', ['init', cacheUrl])).exitCode, 0);
  await tool('cache-ctl', ['keygen', '--name', `${name}-1`, '--secret-key', join(dir, 'cache.sec'), '--public-key', join(dir, 'cache.pub')]);
  const stateStore = `s3://${await testBucket('prod-state')}`;
  t.equal((await tool('remote-state', ['init', '--store', stateStore, '--stack', name])).exitCode, 0);
  const secrets = join(dir, 'project.secrets');
  await writeFile(secrets, JSON.stringify({ CACHE_SIGN_KEY: (await readFile(join(dir, 'cache.sec'), 'utf8')).trim() }));
  const s = await startServer(t, script, ['--secrets', secrets, '--secret-env', 'AWS_ACCESS_KEY_ID', '--secret-env', 'AWS_SECRET_ACCESS_KEY'], undefined, {
    IWP_IMAGE_REPO: name, IWP_CACHE_URL: cacheUrl, IWP_STATE_STACK: name, REMOTE_STATE_STORE: stateStore, ...kube,
  });
  const app = await readFile(join(root, 'nix/images/helloworld/server.js'), 'utf8');
  const host = `${name}.default.svc.cluster.local`;

  // a commit that changes the app's text
  const howdy = app.replace('`Hello ${target}!\\n`', '`Howdy ${target}!\\n`');
  t.not(howdy, app, 'the test changes the app\'s text');
  const push = await repo.push({ 'nix/services/hello.nix': service(name), 'nix/images/helloworld/server.js': howdy }, { message: 'say howdy' });
  const run = await s.waitForRun((await s.push(push.body, `prod-1-${name}`)).json.id as string, 900_000);
  t.equal(run.status, 'succeeded', run.error);
  t.same(run.jobs.map((j) => [j.name, j.status]), [['checkout', 'succeeded'], ['build-image', 'succeeded'], ['push-cache', 'succeeded'], ['deploy', 'succeeded']]);
  for (const j of run.jobs) t.ok(typeof j.durationMs === 'number', `${j.name} took ${j.durationMs} ms`);
  t.equal(await get(ingress, host), '200 Howdy iwp!\n', 'the service answers the pushed text, from the app itself');
  const history = JSON.parse((await tool('remote-state', ['history', '--store', stateStore, '--stack', name, '--json'])).stdout);
  t.ok(history.items.length >= 1, 'the stack history has the deploy');

  // a commit whose image crashes at start
  const crash = `process.stderr.write('helloworld: refusing to start\\n'); process.exit(3);\n${howdy}`;
  const bad = await repo.push({ 'nix/images/helloworld/server.js': crash }, { message: 'crash at start' });
  const badRun = await s.waitForRun((await s.push(bad.body, `prod-2-${name}`)).json.id as string, 900_000);
  t.match(badRun, { status: 'failed', error: /^job deploy failed/ }, 'the run fails at deploy');
  const deployLog = await readFile(join(s.runsDir, badRun.id, 'logs', 'deploy.log'), 'utf8');
  t.match(deployLog, /Revision "[^"]+-00002" failed with message: Container failed with: helloworld: refusing to start/,
    `the deploy names the revision and the container's last words: ${deployLog.split('\n').filter(Boolean).slice(-2).join(' | ')}`);
  t.equal(await get(ingress, host), '200 Howdy iwp!\n', 'the URL keeps answering the previous text');
  t.same(JSON.parse((await tool('remote-state', ['locks', '--store', stateStore, '--json'])).stdout).items, [], 'no lock left');
});
