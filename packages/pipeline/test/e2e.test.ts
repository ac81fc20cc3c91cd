import t from 'tap';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { cli, pushPayload, tempDir } from './helpers.js';
import { registryAuth } from './image-helpers.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(repo, 'nix/pipelines/infrastructure.ts');
const nixImageBuild = join(repo, 'packages/nix-image/dist/commands/build.js');
const imageSrc = ['nix/images/helloworld.nix', 'nix/images/helloworld/default.nix', 'nix/images/helloworld'].find((p) => existsSync(join(repo, p)));

const why = !process.env.IWP_REGISTRY
  ? 'IWP_REGISTRY not set: start the test environment (scripts/testenv up)'
  : !existsSync(nixImageBuild)
    ? 'nix-image has no build command yet (packages/nix-image/dist/commands/build.js)'
    : !imageSrc
      ? 'no helloworld image definition under nix/images'
      : undefined;

t.test('end to end: a push event builds the helloworld image with nix-image and pushes it to the registry', { skip: why ?? false }, async (t) => {
  const dir = await tempDir(t);
  const auth = await registryAuth(t);
  const commit = `${Date.now().toString(16)}${'0'.repeat(40)}`.slice(0, 40);
  const payload = join(dir, 'push.json');
  await writeFile(payload, pushPayload({ after: commit, ref: 'refs/heads/feature' }));
  const repository = `iwp-pipeline-e2e-${Date.now().toString(36)}`;
  const r = await cli(['run', script, '--event', 'push', '--payload', payload, '--source-dir', repo, '--runs-dir', join(dir, 'runs'), '--json'], {
    env: { IWP_IMAGE_SRC: imageSrc!, IWP_IMAGE_REPO: repository, IWP_CACHE_URL: '', IWP_STATE_STACK: '', ...(auth.dockerConfig ? { DOCKER_CONFIG: auth.dockerConfig } : {}) },
    timeout: 20 * 60_000,
  });
  const run = JSON.parse(String(r.stdout));
  t.equal(run.status, 'succeeded', run.error ?? String(r.stderr).slice(-2000));
  t.equal(r.exitCode, 0);
  const build = run.jobs.find((j: { name: string }) => j.name === 'build-image');
  t.match(build, { status: 'succeeded', exitCode: 0 });
  const image = JSON.parse(build.stdout);
  const target = `${process.env.IWP_REGISTRY}/${repository}:${commit.slice(0, 12)}`;
  t.match(image, { apiVersion: 'iwp/v1', kind: 'Image', digest: /^sha256:[0-9a-f]{64}$/ });
  const loopback = /^(127\.|localhost)/.test(target);
  const inspect = await execa('skopeo', ['inspect', ...(loopback ? ['--tls-verify=false'] : []), ...(auth.creds ? ['--creds', auth.creds] : []), '--format', '{{.Digest}}', `docker://${target}`]);
  t.equal(inspect.stdout.trim(), image.digest, 'the registry serves the image the pipeline built');
  t.equal(run.summary, target);
});
