import { ErrorCode, IwpError, type Runner } from '@iwp/core';
import { KIND_NETWORK } from './plan.js';

/** Fails naming the tool when docker or kind is missing or not working. */
export async function checkTools(run: Runner): Promise<void> {
  for (const tool of ['docker', 'kind']) {
    const r = await run(tool, ['version'], { reject: false }).catch(() => ({ exitCode: 127, stdout: '', stderr: '' }));
    if (r.exitCode !== 0) {
      throw new IwpError(ErrorCode.FAILED, `provider kind needs ${tool}, which is ${r.exitCode === 127 ? 'not installed' : 'not working'} here`, {
        hint: tool === 'docker' ? 'kind runs its nodes as Docker containers: install and start Docker, or use --provider local' : 'install kind (go install sigs.k8s.io/kind@latest)',
      });
    }
  }
}

const gatewayOf = async (run: Runner) => {
  const r = await run('docker', ['network', 'inspect', KIND_NETWORK, '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}'], { reject: false });
  return r.exitCode === 0 ? r.stdout.split(/\s+/).find((a) => /^\d+\.\d+\.\d+\.\d+$/.test(a)) : undefined;
};

/**
 * The host's IPv4 address on the kind network (its gateway), which is where kind nodes reach
 * services on the host. The network is made as kind makes it when it does not exist yet.
 */
export async function kindGateway(run: Runner): Promise<string> {
  let gw = await gatewayOf(run);
  if (!gw) {
    await run('docker', ['network', 'create', '--driver', 'bridge', '--opt', 'com.docker.network.bridge.enable_ip_masquerade=true', KIND_NETWORK], { reject: false });
    gw = await gatewayOf(run);
  }
  if (!gw) throw new IwpError(ErrorCode.FAILED, `docker network ${KIND_NETWORK} has no IPv4 gateway (docker network inspect ${KIND_NETWORK})`);
  return gw;
}

/** The kind clusters docker runs now. */
export async function kindClusters(run: Runner): Promise<string[]> {
  return (await run('kind', ['get', 'clusters'])).stdout.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('No kind clusters'));
}

/** The node containers of a cluster, each with whether it runs. */
export async function kindNodeStates(run: Runner, name: string): Promise<Array<{ name: string; running: boolean }>> {
  const nodes = (await run('kind', ['get', 'nodes', '--name', name])).stdout.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('No kind nodes'));
  const out = [];
  for (const n of nodes) {
    const r = await run('docker', ['inspect', '--format', '{{.State.Running}}', n], { reject: false });
    out.push({ name: n, running: r.exitCode === 0 && r.stdout.trim() === 'true' });
  }
  return out;
}
