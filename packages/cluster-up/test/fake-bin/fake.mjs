// A stand-in for `kind` and `docker` in unit tests only: there is no Docker engine on the
// test machines. It records every argv (one JSON line in $FAKE_KIND_STATE/argv.log) and
// answers as the real tools do for the calls cluster-up makes, keeping its clusters in
// $FAKE_KIND_STATE. Nothing here runs a container.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const tool = process.argv[2];
const args = process.argv.slice(3);
const state = process.env.FAKE_KIND_STATE;
if (!state) { console.error('FAKE_KIND_STATE not set'); process.exit(2); }
mkdirSync(join(state, 'clusters'), { recursive: true });
appendFileSync(join(state, 'argv.log'), `${JSON.stringify([tool, ...args])}\n`);
const clusterFile = (n) => join(state, 'clusters', `${n}.json`);
const clusters = () => readdirSync(join(state, 'clusters')).map((f) => f.replace(/\.json$/, '')).sort();
const nodesOf = (n) => (existsSync(clusterFile(n)) ? JSON.parse(readFileSync(clusterFile(n), 'utf8')).nodes : []);
const flag = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const out = (s) => process.stdout.write(s);
const fail = (msg, code = 1) => { process.stderr.write(`${msg}\n`); process.exit(code); };

function kind() {
  const [a, b] = args;
  if (a === 'version') return out('kind v0.30.0 go1.24.6 linux/amd64\n');
  if (a === 'create' && b === 'cluster') {
    const name = flag('--name') ?? 'kind';
    if (existsSync(clusterFile(name))) fail(`ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);
    const config = readFileSync(flag('--config'), 'utf8');
    const roles = [...config.matchAll(/role: (control-plane|worker)/g)].map((m) => m[1]);
    const seen = {};
    const nodes = roles.map((r) => { seen[r] = (seen[r] ?? 0) + 1; return `${name}-${r}${seen[r] > 1 ? seen[r] : ''}`; });
    writeFileSync(clusterFile(name), JSON.stringify({ nodes, config }));
    if (flag('--kubeconfig')) writeFileSync(flag('--kubeconfig'), `apiVersion: v1\nkind: Config\nclusters:\n- name: kind-${name}\n  cluster:\n    server: https://127.0.0.1:6443\ncontexts:\n- name: kind-${name}\n  context:\n    cluster: kind-${name}\n    user: kind-${name}\nusers:\n- name: kind-${name}\n  user: {}\ncurrent-context: kind-${name}\n`);
    return process.stderr.write(`Creating cluster "${name}" ...\n`);
  }
  if (a === 'get' && b === 'clusters') return clusters().length ? out(`${clusters().join('\n')}\n`) : process.stderr.write('No kind clusters found.\n');
  if (a === 'get' && b === 'nodes') {
    const nodes = nodesOf(flag('--name') ?? 'kind');
    return nodes.length ? out(`${nodes.join('\n')}\n`) : process.stderr.write(`No kind nodes found for cluster "${flag('--name')}".\n`);
  }
  if (a === 'delete' && b === 'cluster') {
    process.stderr.write(`Deleting cluster "${flag('--name')}" ...\n`);
    return rmSync(clusterFile(flag('--name') ?? 'kind'), { force: true });
  }
  fail(`fake kind: unknown command ${args.join(' ')}`);
}

function docker() {
  const [a, b] = args;
  if (a === 'version') return out('Client: Docker Engine - Community\n Version: 27.3.1\nServer: Docker Engine - Community\n Version: 27.3.1\n');
  const net = join(state, 'network-kind');
  if (a === 'network' && b === 'inspect') {
    if (!existsSync(net)) fail(`Error response from daemon: network ${args[2]} not found`);
    return out('172.18.0.1 fc00:f853:ccd:e793::1 \n');
  }
  if (a === 'network' && b === 'create') { writeFileSync(net, JSON.stringify(args)); return out('3f1a0c9e8b7d\n'); }
  if (a === 'inspect') {
    const node = args.at(-1);
    if (!clusters().some((c) => nodesOf(c).includes(node))) fail(`Error: No such object: ${node}`);
    return out(existsSync(join(state, `stopped-${node}`)) ? 'false\n' : 'true\n');
  }
  if (a === 'exec') {
    const node = args[args.indexOf('-i') + 1];
    if (!clusters().some((c) => nodesOf(c).includes(node))) fail(`Error response from daemon: No such container: ${node}`);
    writeFileSync(join(state, `exec-${node}.json`), JSON.stringify({ argv: args, stdin: readFileSync(0, 'utf8') }));
    return;
  }
  fail(`fake docker: unknown command ${args.join(' ')}`);
}

if (tool === 'kind') kind(); else docker();
