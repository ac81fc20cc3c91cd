import t from 'tap';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { helloworld, nixImage, tempDir } from './helpers.js';

// bin/run.js starts a build's or plan's spec evaluation (`nix-instantiate --eval`) before the
// CLI loads (src/early.cts); the command adopts that run instead of starting its own.
// `nix-instantiate` here is a wrapper that logs each call and whether its stdin is /dev/null
// (an early run's, core's startEarly) or a pipe (one the command starts itself, execa).
const skip = !process.env.IWP_NIX_VERSION && 'nix not set up: start the test environment (scripts/testenv up)';

t.test('plan and build evaluate the spec once, with the run started before the CLI loaded', { skip }, async (t) => {
  const dir = await tempDir(t);
  const log = join(dir, 'calls');
  const real = (await execa('sh', ['-c', 'command -v nix-instantiate'])).stdout.trim();
  await writeFile(join(dir, 'nix-instantiate'), `#!/bin/sh\nif [ -c /dev/stdin ]; then w=early; else w=late; fi\necho "$w $1 $2" >> ${JSON.stringify(log)}\nexec ${JSON.stringify(real)} "$@"\n`);
  await chmod(join(dir, 'nix-instantiate'), 0o755);
  const env = { PATH: `${dir}:${process.env.PATH}`, XDG_CACHE_HOME: join(dir, 'cache') };
  const calls = async () => (await readFile(log, 'utf8')).trim().split('\n');

  const plan = await nixImage(['plan', helloworld], env);
  t.equal(plan.exitCode, 0);
  t.match(JSON.parse(String(plan.stdout)), { kind: 'LayerPlan' });
  t.same(await calls(), ['early --eval --strict'], 'plan: one evaluation, the early one');

  await writeFile(log, '');
  const built = await nixImage(['build', helloworld, '--out', `oci-dir:${join(dir, 'oci')}`], env);
  t.equal(built.exitCode, 0);
  t.same(await calls(), ['early --eval --strict'], 'build: one evaluation, the early one');

  // --system is not followed early: the build evaluates the spec itself
  await writeFile(log, '');
  const native = JSON.parse((await execa(real, ['--eval', '--json', '--expr', 'builtins.currentSystem'])).stdout) as string;
  const again = await nixImage(['build', helloworld, '--system', native, '--out', `oci-dir:${join(dir, 'oci2')}`], env);
  t.equal(again.exitCode, 0);
  t.notOk((await calls()).some((c) => c.startsWith('early')), 'nothing early with --system');
  t.ok((await calls()).includes('late --eval --strict'), 'the build evaluated it');
});
