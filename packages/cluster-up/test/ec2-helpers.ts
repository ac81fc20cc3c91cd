import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execa } from 'execa';

// EC2, SSM and IAM of the moto emulator (one server, AWS_ENDPOINT_URL): every API call is
// real, no instance boots, so k3s never runs and the API is never reached (--no-wait-api).
export const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
export const rsBin = fileURLToPath(new URL('../../remote-state/bin/run.js', import.meta.url));
const root = fileURLToPath(new URL('../../../', import.meta.url));
export const skip = !process.env.AWS_ENDPOINT_URL && 'AWS_ENDPOINT_URL not set (scripts/testenv up)';
export const region = 'us-east-1';
export const AMI = 'ami-03cf127a'; // one of the images the emulator lists

export async function setup(t: { teardown(fn: () => unknown): void }, name: string) {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-cu-ec2-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const env = JSON.parse(String((await execa('nix-instantiate', ['--eval', '--strict', '--json', join(root, 'nix/environments/ec2.nix')])).stdout));
  await writeFile(join(dir, 'env.json'), JSON.stringify({ ...env, name, region }));
  // the CLI's clusters live under this XDG_CACHE_HOME, so `list` sees exactly this test's
  const cli = (args: string[]) => execa('node', [bin, ...args, '--json'], { reject: false, stdin: 'ignore', env: { XDG_CACHE_HOME: join(dir, 'cache') } });
  return { dir, file: join(dir, 'env.json'), cli, stateDir: join(dir, 'cache', 'iwp', 'clusters', name) };
}

/**
 * Runs the token fetch of a user-data script (everything before k3s is installed) against a
 * stand-in instance metadata service (IMDSv2, the role's credentials) and moto's SSM.
 */
export async function tokenFromUserData(t: { teardown(fn: () => unknown): void }, userData: string, role: string): Promise<string> {
  const imds = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('imds-session');
    if (req.headers['x-aws-ec2-metadata-token'] !== 'imds-session') return res.writeHead(401).end();
    if (req.url === '/latest/meta-data/iam/security-credentials/') return res.end(role);
    if (req.url === `/latest/meta-data/iam/security-credentials/${role}`) {
      return res.end(JSON.stringify({ Code: 'Success', Type: 'AWS-HMAC', AccessKeyId: 'ASIAEXAMPLE', SecretAccessKey: 'secret', Token: 'session', Expiration: '2030-01-01T00:00:00Z' }, null, 2));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => imds.listen(0, '127.0.0.1', r));
  t.teardown(() => imds.close());
  const fetchPart = userData.slice(0, userData.indexOf('export K3S_TOKEN'));
  const r = await execa('sh', ['-c', `${fetchPart}\nprintf %s "$K3S_TOKEN"`], {
    env: { IWP_IMDS: `http://127.0.0.1:${(imds.address() as AddressInfo).port}`, IWP_SSM_URL: `${process.env.AWS_ENDPOINT_URL}/` }, timeout: 30_000,
  });
  return r.stdout;
}
