import t from 'tap';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

t.test('nix/pipelines/*.ts type-check against the brigadier API the runner provides', async (t) => {
  const r = await execa('pnpm', ['exec', 'tsc', '-p', 'nix/pipelines'], { cwd: repo, reject: false });
  t.equal(r.exitCode, 0, String(r.stdout) || 'no type errors');
});

t.test('the infrastructure pipeline: clear errors before it builds anything', async (t) => {
  const { runPipeline } = await import('../src/run.js');
  const { FileRunStore } = await import('../src/stores/file.js');
  const { githubEvent } = await import('../src/event.js');
  const { tempDir, pushPayload } = await import('./helpers.js');
  const dir = await tempDir(t);
  const script = `${repo}nix/pipelines/infrastructure.ts`;
  const store = new FileRunStore(dir);
  const saved = process.env.IWP_REGISTRY;
  delete process.env.IWP_REGISTRY;
  t.teardown(() => { if (saved !== undefined) process.env.IWP_REGISTRY = saved; });
  const noRegistry = await runPipeline({ script, event: githubEvent('push', pushPayload()), store, executors: { default: 'process' }, sourceDir: repo });
  t.match(noRegistry, { status: 'failed', error: 'IWP_REGISTRY is not set: the registry to push the image to', jobs: [] });
  const deleted = await runPipeline({ script, event: githubEvent('push', pushPayload({ deleted: true })), store, executors: { default: 'process' }, sourceDir: repo });
  t.match(deleted, { status: 'succeeded', summary: 'branch deleted: nothing to build', jobs: [] });
});
