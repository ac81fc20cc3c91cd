import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { badInput, timedOut, writeFileAtomic, type Runner } from '@iwp/core';

interface Named { name?: string; [k: string]: unknown }
interface KubeconfigDoc {
  clusters?: Array<Named & { cluster?: { server?: string; [k: string]: unknown } }>;
  contexts?: Array<Named & { context?: { cluster?: string; user?: string; [k: string]: unknown } }>;
  users?: Named[];
  'current-context'?: string;
  [k: string]: unknown;
}

/**
 * k3s writes its kubeconfig for the server itself (`https://127.0.0.1:6443`, every entry
 * named `default`): point every cluster at the public address and name cluster, user and
 * context after the iwp cluster, so it can sit beside others in one file.
 */
export function rewriteK3sKubeconfig(text: string, server: string, name: string): string {
  const doc = parse(text) as KubeconfigDoc | null;
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.clusters)) throw badInput('kubeconfig', 'a kubeconfig with clusters from k3s');
  const rename = (n: string | undefined) => (n === 'default' || n === undefined ? name : n);
  for (const c of doc.clusters) {
    c.name = rename(c.name);
    if (c.cluster) c.cluster.server = server;
  }
  for (const u of doc.users ?? []) u.name = rename(u.name);
  for (const c of doc.contexts ?? []) {
    c.name = rename(c.name);
    if (c.context) {
      c.context.cluster = rename(c.context.cluster);
      c.context.user = rename(c.context.user);
    }
  }
  doc['current-context'] = rename(doc['current-context']);
  return stringify(doc);
}

/**
 * Waits until k3s has written its kubeconfig on the server and copies it over SSH (the
 * generated key, the distributions' default users), pointed at the public address.
 */
export async function fetchKubeconfig(run: Runner, o: { host: string; keyFile: string; out: string; server: string; context: string; deadline: number }): Promise<void> {
  let last = '';
  while (Date.now() < o.deadline) {
    for (const user of ['ubuntu', 'admin', 'ec2-user']) {
      const r = await run('ssh', ['-i', o.keyFile, '-o', 'StrictHostKeyChecking=accept-new', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', `${user}@${o.host}`, 'sudo cat /etc/rancher/k3s/k3s.yaml'], { reject: false });
      if (r.exitCode === 0 && r.stdout.includes('clusters:')) {
        await writeFileAtomic(o.out, rewriteK3sKubeconfig(r.stdout, o.server, o.context), { mode: 0o600 });
        return;
      }
      last = r.stderr.trim();
    }
    await sleep(5000);
  }
  throw timedOut(`no kubeconfig from ${o.host} over SSH before the deadline${last ? ` (${last})` : ''}`);
}
