import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { ErrorCode, IwpError, writeFileAtomic } from '@iwp/core';

/**
 * Waits until k3s has written its kubeconfig on the server, copies it over SSH (the
 * generated key, the distribution's default users), and points it at the public address.
 */
export async function fetchKubeconfig(o: { host: string; keyFile: string; out: string; server: string; context: string; deadline: number }): Promise<void> {
  let last = '';
  while (Date.now() < o.deadline) {
    for (const user of ['ubuntu', 'admin', 'ec2-user']) {
      const r = await execa('ssh', ['-i', o.keyFile, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', `${user}@${o.host}`, 'sudo cat /etc/rancher/k3s/k3s.yaml'], { reject: false });
      if (r.exitCode === 0 && String(r.stdout).includes('clusters:')) {
        const text = String(r.stdout).replace(/https:\/\/127\.0\.0\.1:6443/g, o.server).replace(/\bdefault\b/g, o.context);
        await writeFileAtomic(o.out, text, { mode: 0o600 });
        return;
      }
      last = String(r.stderr).trim();
    }
    await sleep(5000);
  }
  throw new IwpError(ErrorCode.TIMEOUT, `no kubeconfig from ${o.host} over SSH before the deadline${last ? ` (${last})` : ''}`);
}
