import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { root, tool } from './lib/tools.js';

// nix-image -> cluster-up (a real node) -> pipeline's pod executor: a job's container runs on
// the node, and its exit code and log lines come from that container.
const env = process.env;
const skip = !env.IWP_K8S_BIN || !env.IWP_REGISTRY ? 'needs the test environment (scripts/testenv up)'
  : process.getuid?.() !== 0 ? 'real nodes need root' : false;

t.test('a pipeline job runs as a container on a real node: its exit code and logs are the container\'s', { skip, timeout: 400_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-e2e-rn-'));
  t.teardown(async () => {
    await tool('cluster-up', ['delete', 'e2ern', '--state-dir', join(dir, 'cluster')]);
    await rm(dir, { recursive: true, force: true });
  });
  const built = await tool('nix-image', ['build', `${root}nix/images/helloworld`, '--push', `${env.IWP_REGISTRY}/e2e-rn/hello:1`, '--json', '--quiet']);
  t.equal(built.exitCode, 0, String(built.stderr));
  const image = JSON.parse(String(built.stdout)) as { repository: string; digest: string };
  const ref = `${image.repository}@${image.digest}`;
  const inspected = JSON.parse(String((await tool('nix-image', ['inspect', ref, '--json'])).stdout)) as { config: { Entrypoint: string[] } };
  const node = inspected.config.Entrypoint[0]!;

  const created = await tool('cluster-up', ['create', '--name', 'e2ern', '--nodes', '1', '--registry', env.IWP_REGISTRY!,
    '--state-dir', join(dir, 'cluster'), '--bin-dir', env.IWP_K8S_BIN!, '--json']);
  t.equal(created.exitCode, 0, String(created.stderr).split('\n').slice(-3).join('\n'));
  if (created.exitCode !== 0) return;
  const cluster = JSON.parse(String(created.stdout)) as { kubeconfig: string };

  const script = join(dir, 'jobs.ts');
  await writeFile(script, `import { events, Job } from "@brigadecore/brigadier";
events.on("github", "push", async (event) => {
  const ok = new Job("greet", ${JSON.stringify(ref)}, event);
  ok.primaryContainer.command = [${JSON.stringify(node)}, "-e", "console.log('hello from ' + require('os').hostname())"];
  const bad = new Job("fails", ${JSON.stringify(ref)}, event);
  bad.primaryContainer.command = [${JSON.stringify(node)}, "-e", "console.log('about to exit 3'); process.exit(3)"];
  bad.fallible = true;
  ok.timeoutSeconds = bad.timeoutSeconds = 120;
  await Job.sequence(ok, bad).run();
});
events.process();
`);
  const run = await tool('pipeline', ['run', script, '--event', 'push', '--executor', 'pod', '--runs-dir', join(dir, 'runs'), '--json'],
    { env: { KUBECONFIG: cluster.kubeconfig } });
  t.equal(run.exitCode, 0, String(run.stderr).split('\n').slice(-5).join('\n'));
  const doc = JSON.parse(String(run.stdout)) as { id: string; jobs: { name: string; status: string; exitCode: number | null; details?: { pod?: { nodeName?: string } } }[] };
  const greet = doc.jobs.find((j) => j.name === 'greet')!;
  const fails = doc.jobs.find((j) => j.name === 'fails')!;
  t.match(greet, { status: 'succeeded', exitCode: 0 });
  t.equal(greet.details?.pod?.nodeName, 'e2ern-worker-1', 'scheduled on the real node');
  t.match(fails, { status: 'failed', exitCode: 3 }, 'the exit code is the container\'s');
  const logs = await tool('pipeline', ['runs', 'logs', doc.id, '--job', 'greet', '--runs-dir', join(dir, 'runs')]);
  t.match(String(logs.stdout), /hello from iwp-/, 'the log line the container wrote (its hostname is the pod name)');
  const failLogs = await tool('pipeline', ['runs', 'logs', doc.id, '--job', 'fails', '--runs-dir', join(dir, 'runs')]);
  t.match(String(failLogs.stdout), /about to exit 3/);
});
