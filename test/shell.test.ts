import t from 'tap';
import { execa } from 'execa';
import { root } from './lib/tools.js';

const tools = ['remote-state', 'nix-image', 'cache-ctl', 'cluster-up', 'knative-deploy', 'mon-ctl', 'pipeline'];

t.test('nix-shell puts every tool on PATH (no nixpkgs channel needed)', async (t) => {
  const r = await execa('nix-shell', ['--run', 'nix-image --version && knative-deploy --help'], {
    cwd: root,
    reject: false,
    stdin: 'ignore',
    env: { NIX_BUILD_SHELL: 'bash' },
  });
  t.equal(r.exitCode, 0, r.stderr);
  t.match(r.stdout, /@iwp\/nix-image\/\d+\.\d+\.\d+/);
  t.match(r.stdout, /Knative Services/);
  const which = await execa('nix-shell', ['--run', `for t in ${tools.join(' ')}; do command -v $t; done`], {
    cwd: root, reject: false, stdin: 'ignore', env: { NIX_BUILD_SHELL: 'bash' },
  });
  t.same(which.stdout.trim().split('\n'), tools.map((n) => `${root}bin/${n}`));
});
