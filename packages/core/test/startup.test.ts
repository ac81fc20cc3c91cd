import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import startupModule from '../src/startup.cjs';

// startup.cts is CommonJS: ES modules get its exports as the default export
const { planStartup } = startupModule;

// The start-up files of every tool (scripts/build-cli.mjs) against oclif itself: what
// bin/run.js prints from pre-rendered text or runs from the bundle must be byte for byte what
// oclif over dist/commands prints (IWP_STARTUP=oclif), so neither can drift from the other.
// every tool is run through oclif unbundled too: seconds each on a loaded machine
t.setTimeout(900_000);
const root = fileURLToPath(new URL('../../..', import.meta.url));
const tools: Record<string, { cmd: string[]; bad: string[] }> = {
  'nix-image': { cmd: ['build'], bad: ['build', '--max-layers', 'x', 'img'] },
  'cache-ctl': { cmd: ['push'], bad: ['push', '--no-such-flag'] },
  'remote-state': { cmd: ['push'], bad: ['push', '--no-such-flag'] },
  'cluster-up': { cmd: ['create'], bad: ['create', '--no-such-flag'] },
  'knative-deploy': { cmd: ['apply'], bad: ['apply', '--no-such-flag'] },
  'mon-ctl': { cmd: ['dashboards', 'export'], bad: ['install', '--no-such-flag'] },
  pipeline: { cmd: ['runs', 'list'], bad: ['run', '--no-such-flag'] },
};
const topics: Record<string, string[]> = { pipeline: ['runs'], 'mon-ctl': ['dashboards'] };

// what a user's environment could set that changes oclif's rendering is left out of both runs
const env = { ...process.env };
for (const k of ['IWP_STARTUP', 'OCLIF_COLUMNS', 'FORCE_COLOR', 'NO_COLOR']) delete env[k];
const run = (tool: string, args: string[], extra: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [join(root, 'packages', tool, 'bin', 'run.js'), ...args], {
    env: { ...env, ...extra },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

for (const [tool, c] of Object.entries(tools)) {
  t.test(tool, async (t) => {
    const b = spawnSync(process.execPath, [join(root, 'scripts', 'build-cli.mjs'), tool], { encoding: 'utf8' });
    t.equal(b.status, 0, `build-cli ${tool}: ${b.stderr}`);
    const toolRoot = join(root, 'packages', tool);
    const argvs = [['--version'], ['--help'], [], [...c.cmd, '--help'], ...(topics[tool] ?? []).map((x) => [x, '--help'])];
    for (const argv of argvs) {
      // the fast path answers these itself (a pipe, no width or colour settings)...
      t.equal(planStartup(toolRoot, argv, env).kind, 'print', `${tool} ${argv.join(' ')} answered without oclif`);
      // ...with oclif's exact output
      const fast = run(tool, argv);
      const oclif = run(tool, argv, { IWP_STARTUP: 'oclif' });
      t.equal(fast.stdout, oclif.stdout, `${tool} ${argv.join(' ')}: same stdout`);
      t.equal(fast.status, oclif.status, `${tool} ${argv.join(' ')}: same exit code`);
      if (argv[0] === '--version') t.match(fast.stdout, /^@iwp\/[a-z-]+\/\d+\.\d+\.\d+\S* \S+-\S+ node-v\d+\.\d+\.\d+\n$/);
    }
    // a command runs from the bundle: parse errors, messages and exit codes as oclif's
    t.equal(planStartup(toolRoot, c.bad, env).kind, 'bundle');
    const fast = run(tool, c.bad);
    const oclif = run(tool, c.bad, { IWP_STARTUP: 'oclif' });
    t.equal(fast.status, 2, `${tool} ${c.bad.join(' ')}: bad input`);
    t.same({ status: fast.status, stdout: fast.stdout, stderr: fast.stderr }, { status: oclif.status, stdout: oclif.stdout, stderr: oclif.stderr });
    // where the pre-rendered text cannot match (a terminal's width, forced colour), the bundle renders
    t.equal(planStartup(toolRoot, ['--help'], { ...env, OCLIF_COLUMNS: '120' }).kind, 'bundle');
    t.equal(run(tool, ['--help'], { OCLIF_COLUMNS: '120' }).stdout, run(tool, ['--help'], { OCLIF_COLUMNS: '120', IWP_STARTUP: 'oclif' }).stdout);
  });
}
