// git push -> deploy with the shipped nix/pipelines/infrastructure.ts, against the test
// environment (.testenv/env): a warm-up push, then a one-line change of the helloworld app;
// prints each step of the second. Needs IWP_REGISTRY and AWS_ENDPOINT_URL; the deploy step
// runs when IWP_STATE_STACK/KUBECONFIG reach a cluster with Knative (else it is reported failed).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cp, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGateway, DeliveryLog, FileRunStore, sign } from '../../packages/pipeline/dist/index.js';
import { startGitServer, testBucket } from '../../packages/core/dist/testing.js';
// the SDK warns of node 20 when its first client is made; the tools turn that off too (core's command.ts)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
if (!process.env.IWP_REGISTRY || !process.env.AWS_ENDPOINT_URL) {
  console.log('push-to-deploy: skipped (no IWP_REGISTRY/AWS_ENDPOINT_URL: scripts/testenv up, then . .testenv/env)');
  process.exit(0);
}
const dir = await mkdtemp(join(tmpdir(), 'iwp-bench-push-'));
const git = (cwd, ...a) => run('git', ['-c', 'user.name=bench', '-c', 'user.email=b@example.com', '-c', 'init.defaultBranch=main', ...a], { cwd });
await mkdir(join(dir, 'srv'));
await git(join(dir, 'srv'), 'init', '-q', '--bare', 'hello.git');
const server = await startGitServer(join(dir, 'srv'));
const url = `${server.url}/hello.git`;
const work = join(dir, 'work');
await git(dir, 'clone', '-q', url, work);
for (const p of ['nix/images/helloworld', 'nix/lib']) await cp(join(root, p), join(work, p), { recursive: true });
const name = `bench-${Date.now().toString(36)}`;
await mkdir(join(work, 'nix/services'), { recursive: true });
await writeFile(join(work, 'nix/services/hello.nix'), `{ name = "${name}"; port = 8080; scale = { min = 1; max = 1; }; }\n`);

const bin = (t) => join(root, 'bin', t);
const cache = `s3://${await testBucket('bench-cache')}`;
await run(bin('cache-ctl'), ['init', cache]);
await run(bin('cache-ctl'), ['keygen', '--name', `${name}-1`, '--secret-key', join(dir, 'k.sec'), '--public-key', join(dir, 'k.pub')]);
const state = `s3://${await testBucket('bench-state')}`;
await run(bin('remote-state'), ['init', '--store', state, '--stack', name]);
Object.assign(process.env, { IWP_IMAGE_REPO: name, IWP_CACHE_URL: cache, IWP_STATE_STACK: name, REMOTE_STATE_STORE: state });

const secret = 'bench-secret-123';
const latencies = new Map();
const finished = new Map();
const waitFinished = (id) => new Promise((resolve) => {
  const t = setInterval(() => finished.has(id) && (clearInterval(t), resolve(finished.get(id))), 50);
});
const gw = createGateway({
  secret,
  deliveries: new DeliveryLog(join(dir, 'deliveries')),
  run: {
    script: join(root, 'nix/pipelines/infrastructure.ts'),
    store: new FileRunStore(join(dir, 'runs')),
    executors: { default: 'process' },
    secrets: { CACHE_SIGN_KEY: (await readFile(join(dir, 'k.sec'), 'utf8')).trim(), AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'x', AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'x' },
  },
  onEvent: (e, f) => {
    if (e === 'run.started') latencies.set(f.run, f.latencyMs);
    if (e === 'run.finished') finished.set(f.run, f);
  },
});
const hook = await gw.listen('127.0.0.1', 0);

async function pushAndRun(text, label) {
  await writeFile(join(work, 'nix/images/helloworld/server.js'), (await readFile(join(root, 'nix/images/helloworld/server.js'), 'utf8')).replace('Hello ${target}!', text));
  const t0 = performance.now();
  const step = (m) => process.env.BENCH_DEBUG && console.error(`[${label}] ${m}`);
  await git(work, 'add', '-A');
  await git(work, 'commit', '-qm', label);
  await git(work, 'push', '-q', url, 'HEAD:refs/heads/main');
  const pushed = performance.now();
  step('pushed');
  const after = (await git(work, 'rev-parse', 'HEAD')).stdout.trim();
  const body = JSON.stringify({ ref: 'refs/heads/main', after, repository: { full_name: 'bench/hello', clone_url: url }, sender: { login: 'bench' } });
  const res = await fetch(hook, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': `${label.replace(/\W+/g, '-')}-${Date.now()}`, 'x-hub-signature-256': sign(secret, body) } });
  const { id } = await res.json();
  step(`run ${id}`);
  const fin = await waitFinished(id);
  const total = performance.now() - t0;
  const rec = JSON.parse(await readFile(join(dir, 'runs', id, 'run.json'), 'utf8'));
  return { git: pushed - t0, latency: latencies.get(id), total, rec, fin };
}

await pushAndRun('Hello warm-up!', 'warm-up');
const r = await pushAndRun('Hello ${target}, one line changed!', 'one-line change');
const s = (ms) => (ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(2)} s`);
const job = (n) => r.rec.jobs.find((j) => j.name === n);
console.log(`push-to-deploy, one-line change, everything else cached (run ${r.rec.status}${r.rec.error ? `: ${r.rec.error.slice(0, 120)}` : ''}):`);
console.log(`  git push (client):              ${s(r.git)}`);
console.log(`  webhook -> script running:      ${s(r.latency)}`);
for (const [n, what] of [['checkout', 'checkout (shallow fetch)'], ['build-image', 'build + image push (nix-image)'], ['push-cache', 'cache push (cache-ctl)'], ['deploy', 'deploy + Ready (knative-deploy)']]) {
  const j = job(n);
  console.log(`  ${(what + ':').padEnd(32)}${s(j?.durationMs)}${j && j.status !== 'succeeded' ? ` (${j.status})` : ''}`);
}
console.log(`  push -> run finished:           ${s(r.total)}`);
const jobsMs = r.rec.jobs.reduce((a, j) => a + (j.durationMs ?? 0), 0);
console.log(`ratio=${(r.total / (r.git + jobsMs)).toFixed(2)} push -> run finished vs the git push plus the jobs' own durations run back to back (orchestration overhead)`);
console.log('  new text served: not measured here (the test environment\'s cluster has simulated nodes; packages/pipeline/test/production.test.ts serves it from a real node)');
await gw.close(5000);
await server.close();
