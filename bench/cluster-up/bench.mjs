// Prints "name: value" lines. Needs the test environment (k8s binaries, the EC2 emulator).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'packages/cluster-up/bin/run.js');
const dir = mkdtempSync(join(tmpdir(), 'iwp-bench-cu-'));
const cli = (args) => {
  const t = performance.now();
  const r = spawnSync('node', [bin, ...args, '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cluster-up ${args.join(' ')}: ${r.stderr}`);
  return [performance.now() - t, JSON.parse(r.stdout)];
};
try {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const name = `bench${i}`;
    const [ms] = cli(['create', '--provider', 'local', '--name', name, '--nodes', '1', '--state-dir', join(dir, name), ...(process.env.IWP_K8S_BIN ? ['--bin-dir', process.env.IWP_K8S_BIN] : [])]);
    runs.push(ms);
    cli(['delete', name, '--state-dir', join(dir, name)]);
  }
  runs.sort((a, b) => a - b);
  console.log(`local create to API ready (1 node Ready, default service account): median ${(runs[1] / 1000).toFixed(1)} s of 3 (goal < 15 s)`);

  if (process.env.AWS_ENDPOINT_URL) {
    const env = JSON.parse(spawnSync('nix-instantiate', ['--eval', '--strict', '--json', join(root, 'nix/environments/ec2.nix')], { encoding: 'utf8' }).stdout);
    const file = join(dir, 'ec2.json');
    const name = `bench-${Date.now().toString(36)}`;
    writeFileSync(file, JSON.stringify({ ...env, name, region: 'us-east-1' }));
    const [cms, created] = cli(['create', '-f', file, '--ami', 'ami-03cf127a', '--no-wait-api', '--state-dir', join(dir, name)]);
    const [dms, deleted] = cli(['delete', name, '--provider', 'ec2', '--region', 'us-east-1', '--state-dir', join(dir, name)]);
    console.log(`ec2 create (1 server, 3 agents, 3 subnets): ${created.calls} API calls, ${(cms / 1000).toFixed(1)} s against the emulator`);
    console.log(`ec2 delete: ${deleted.calls} API calls for ${deleted.deleted} resources, ${(dms / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
