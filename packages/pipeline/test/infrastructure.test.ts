import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { testBucket } from '@iwp/core/testing';
import { tempDir } from './helpers.js';
import { copyInto, testRepo } from './git-helpers.js';
import { registryAuth } from './image-helpers.js';
import { startServer } from './serve-helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(root, 'nix/pipelines/infrastructure.ts');
const tool = (name: string, args: string[], env: Record<string, string> = {}) => execa(join(root, 'bin', name), args, { reject: false, env, stdin: 'ignore' });
const e = process.env;
const skip = (!e.IWP_REGISTRY || !e.AWS_ENDPOINT_URL) && 'needs the registry and the S3 emulator (scripts/testenv up)';
const knative = Boolean(e.KUBECONFIG && e.IWP_KNATIVE_BIN && existsSync(e.KUBECONFIG));

const service = (name: string, extra = '') => `{ name = "${name}"; env = { TARGET = "iwp"; }; port = 8080; scale = { min = 0; max = 2; target = 10; }; ${extra} }\n`;

interface Stores { cacheUrl: string; secretKey: string; publicKey: string; stateStore: string; auth: Awaited<ReturnType<typeof registryAuth>>; secrets: string }
type Run = Awaited<ReturnType<Awaited<ReturnType<typeof startServer>>['waitForRun']>>;

/** The cache (signed with a key the project holds as a secret), the state stack, the project's secrets file. */
async function makeStores(t: Tap.Test, dir: string, name: string): Promise<Stores> {
  const cacheUrl = `s3://${await testBucket('pipeline-cache')}`;
  t.equal((await tool('cache-ctl', ['init', cacheUrl])).exitCode, 0);
  const keygen = await tool('cache-ctl', ['keygen', '--name', `${name}-1`, '--secret-key', join(dir, 'cache.sec'), '--public-key', join(dir, 'cache.pub'), '--json']);
  t.equal(keygen.exitCode, 0, keygen.stderr);
  const secretKey = (await readFile(join(dir, 'cache.sec'), 'utf8')).trim();
  const publicKey = (await readFile(join(dir, 'cache.pub'), 'utf8')).trim();
  const stateStore = `s3://${await testBucket('pipeline-state')}`;
  t.equal((await tool('remote-state', ['init', '--store', stateStore, '--stack', name])).exitCode, 0);
  const auth = await registryAuth(t);
  const secrets = join(dir, 'project.secrets');
  await writeFile(secrets, JSON.stringify({ CACHE_SIGN_KEY: secretKey, ...(auth.creds ? { IWP_REGISTRY_CREDS: auth.creds } : {}) }));
  return { cacheUrl, secretKey, publicKey, stateStore, auth, secrets };
}

/** The image is in the registry by the digest the run reports; its closure is in the cache, signed; the key is not in the log. Returns the Image. */
async function checkImageAndCache(t: Tap.Test, runsDir: string, run: Run, name: string, commit: string, st: Stores): Promise<{ digest: string }> {
  const { auth, cacheUrl, publicKey, secretKey } = st;
  const image = JSON.parse(await readFile(join(runsDir, run.id, 'logs', 'build-image.log'), 'utf8').then((l) => l.slice(l.indexOf('{'))));
  const ref = `${e.IWP_REGISTRY}/${name}:${commit.slice(0, 12)}`;
  const inspect = await execa('skopeo', ['inspect', '--tls-verify=false', ...(auth.creds ? ['--creds', auth.creds] : []), '--format', '{{.Digest}}', `docker://${ref}`]);
  t.equal(inspect.stdout.trim(), image.digest, 'the registry serves the image built from the pushed commit');
  // the closure is in the cache, signed with the project's key
  const verify = await tool('cache-ctl', ['verify', '--store', cacheUrl, '--trusted-key', publicKey, '--json']);
  t.equal(verify.exitCode, 0, verify.stderr);
  t.ok(JSON.parse(verify.stdout).checked >= image.storePaths.length, 'every store path of the image has a verified narinfo');
  t.notMatch(await readFile(join(runsDir, run.id, 'logs', 'push-cache.log'), 'utf8'), secretKey.split(':')[1]!, 'the key is not in the log');
  return image;
}

/** A commit Knative cannot run: the deploy fails, traffic stays on the previous revision, no lock left. */
async function checkBadCommit(t: Tap.Test, s: Awaited<ReturnType<typeof startServer>>, repo: Awaited<ReturnType<typeof testRepo>>, name: string, stateStore: string): Promise<void> {
  const bad = await repo.push({ 'nix/services/hello.nix': service(name, `image = "${e.IWP_REGISTRY}/${name}:missing";`) }, { message: 'broken image' });
  const badRun = await s.waitForRun((await s.push(bad.body, `infra-bad-${name}`)).json.id as string);
  t.match(badRun, { status: 'failed', error: /^job deploy failed/ });
  const revs = JSON.parse((await tool('knative-deploy', ['revisions', name, '--json'])).stdout);
  t.match(revs.items.find((r: { percent?: number }) => r.percent === 100), { name: `${name}-00001` }, 'traffic stays on the previous revision');
  t.same(JSON.parse((await tool('remote-state', ['locks', '--store', stateStore, '--json'])).stdout).items, [], 'no lock left after the failed deploy');
  await tool('knative-deploy', ['delete', name, '--wait']);
}

t.test('nix/pipelines/infrastructure.ts as shipped: git push -> webhook -> checkout, nix-image build --push, cache-ctl push (signed), remote-state exec -- knative-deploy apply', { skip }, async (t) => {
  const dir = await tempDir(t);
  const name = `pipe-${process.pid}-${Date.now().toString(36)}`;
  const repo = await testRepo(t, 'helloworld');
  await copyInto(repo, root, ['nix/images/helloworld', 'nix/lib']);

  const st = await makeStores(t, dir, name);
  const { cacheUrl, stateStore, auth, secrets } = st;
  const s = await startServer(t, script, ['--secrets', secrets, '--secret-env', 'AWS_ACCESS_KEY_ID', '--secret-env', 'AWS_SECRET_ACCESS_KEY'], undefined, {
    IWP_IMAGE_REPO: name, IWP_CACHE_URL: cacheUrl, IWP_STATE_STACK: name, REMOTE_STATE_STORE: stateStore,
    ...(auth.dockerConfig ? { DOCKER_CONFIG: auth.dockerConfig } : {}),
  });

  const push = await repo.push({ 'nix/services/hello.nix': service(name) }, { message: 'helloworld service' });
  const res = await s.push(push.body, `infra-${name}`);
  t.equal(res.status, 202);
  const run = await s.waitForRun(res.json.id as string);
  const jobs = Object.fromEntries(run.jobs.map((j) => [j.name, j]));
  t.same(run.jobs.map((j) => j.name), ['checkout', 'build-image', 'push-cache', 'deploy'], 'checkout, build, cache, deploy in order');
  t.match(jobs.checkout, { status: 'succeeded', commit: push.after });
  t.match(jobs['build-image'], { status: 'succeeded' }, jobs['build-image']?.stdout);
  t.match(jobs['push-cache'], { status: 'succeeded' }, jobs['push-cache']?.stdout);

  const image = await checkImageAndCache(t, s.runsDir, run, name, push.after, st);

  // nothing of the run is left locked, however the deploy went
  const locks = JSON.parse((await tool('remote-state', ['locks', '--store', stateStore, '--json'])).stdout);
  t.same(locks.items, [], 'no lock left');
  if (!knative) {
    // no Knative here: the deploy fails in knative-deploy (no cluster), and the run with it
    t.match(jobs.deploy, { status: 'failed' });
    const deployLog = await readFile(join(s.runsDir, run.id, 'logs', 'deploy.log'), 'utf8');
    t.comment(deployLog);
    t.match(deployLog, /^knative-deploy: error: /m, 'it was knative-deploy that failed, under the lock');
    t.match(run, { status: 'failed', error: /^job deploy failed/ });
    return;
  }
  t.match(jobs.deploy, { status: 'succeeded' }, jobs.deploy?.stdout);
  t.equal(run.status, 'succeeded', run.error);
  const svc = JSON.parse(jobs.deploy!.stdout!);
  t.match(svc, { kind: 'KnativeService', name, ready: true, image: `${e.IWP_REGISTRY}/${name}@${image.digest}` });
  const history = JSON.parse((await tool('remote-state', ['history', '--store', stateStore, '--stack', name, '--json'])).stdout);
  t.ok(history.items.length >= 1, 'the stack history has the deploy');

  await checkBadCommit(t, s, repo, name, stateStore);
});
