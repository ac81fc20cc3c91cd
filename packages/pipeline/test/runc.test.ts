import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { runPipeline } from '../src/run.js';
import { FileRunStore } from '../src/stores/file.js';
import { tempDir } from './helpers.js';
import { pushBusyboxImage, registryAuth, skipUnlessRunc } from './image-helpers.js';

t.test('jobs run in an OCI image pulled from the registry, with runc', async (t) => {
  if (skipUnlessRunc(t)) return;
  const auth = await registryAuth(t);
  const repo = `iwp-pipeline-test/busybox-${Date.now().toString(36)}:1`;
  const image = await pushBusyboxImage(t, repo, auth.creds);
  const dir = await tempDir(t);
  const script = join(dir, 'runc.ts');
  await writeFile(script, `
import { events, Job } from "@brigadecore/brigadier";
events.on("brigade.sh/cli", "exec", async (event) => {
  const image = ${JSON.stringify(image.ref)};
  const write = new Job("write", image, event);
  write.primaryContainer.workspaceMountPath = "/workspace";
  write.primaryContainer.command = ["sh", "-c"];
  write.primaryContainer.arguments = ["echo from-container > /workspace/out.txt; echo GREETING=$GREETING; id -u; hostname"];
  write.primaryContainer.environment = { GREETING: "hi" };

  const defaults = new Job("defaults", image, event);

  const read = new Job("read", image, event);
  read.primaryContainer.workspaceMountPath = "/ws";
  read.primaryContainer.command = ["cat", "/ws/out.txt"];

  const host = new Job("host-side", "ignored", event);
  host.executor = "process";
  host.primaryContainer.command = ["cat", "out.txt"];

  const fails = new Job("fails", image, event);
  fails.fallible = true;
  fails.primaryContainer.command = ["sh", "-c", "echo failing >&2; exit 5"];

  await Job.sequence(write, Job.concurrent(defaults, read, host), fails).run();
});
events.process();
`);
  const store = new FileRunStore(join(dir, 'runs'));
  const prevConfig = process.env.DOCKER_CONFIG;
  if (auth.dockerConfig) process.env.DOCKER_CONFIG = auth.dockerConfig;
  t.teardown(() => { if (auth.dockerConfig) process.env.DOCKER_CONFIG = prevConfig; });
  const imageCache = join(dir, 'images');
  const r = await runPipeline({ script, event: { source: 'cli', type: 'exec' }, store, executors: { default: 'runc', runc: { imageCache } } });
  t.equal(r.status, 'succeeded', r.error ?? 'run succeeded');
  const job = (n: string) => r.jobs.find((j) => j.name === n) as Record<string, unknown> & { stdout?: string; exitCode: number | null };
  t.equal(job('write').stdout, 'GREETING=hi\n0\nwrite');
  t.equal(job('write').exitCode, 0);
  t.match(job('write'), { executor: 'runc', details: { imageDigest: image.digest } }, 'ran the image the registry has');
  t.equal(job('defaults').stdout, 'default cmd in /tmp', "the image's cmd and working directory");
  t.equal(job('read').stdout, 'from-container', 'the workspace is shared with a later job through a bind mount');
  t.equal(job('host-side').stdout, 'from-container', 'and with a process job of the same run');
  t.match(job('fails'), { status: 'failed', exitCode: 5, stdout: '' });
  const runcList = await execa('runc', ['--root', '/run/iwp-pipeline-runc', 'list', '-q'], { reject: false });
  t.notMatch(String(runcList.stdout), r.id, 'containers are deleted');

  // the second run finds the image unpacked: no pull, same digest
  const r2 = await runPipeline({ script, event: { source: 'cli', type: 'exec' }, store, executors: { default: 'runc', runc: { imageCache } } });
  t.equal(r2.status, 'succeeded');
});

t.test('an image that is not in the registry fails the job with a clear error', async (t) => {
  if (skipUnlessRunc(t)) return;
  const dir = await tempDir(t);
  const script = join(dir, 'missing.ts');
  await writeFile(script, `
import { events, Job } from "@brigadecore/brigadier";
events.on("github", "push", async (e) => {
  const j = new Job("pull", ${JSON.stringify(`${process.env.IWP_REGISTRY}/iwp-pipeline-test/does-not-exist:1`)}, e);
  j.primaryContainer.command = ["true"];
  await j.run();
});
events.process();
`);
  const r = await runPipeline({ script, event: { source: 'github', type: 'push' }, store: new FileRunStore(join(dir, 'runs')), executors: { default: 'runc', runc: { imageCache: join(dir, 'images') } } });
  t.equal(r.status, 'failed');
  t.match(r.jobs[0], { status: 'failed', exitCode: null, error: /^image .*does-not-exist:1: cannot read its manifest: / });
});
