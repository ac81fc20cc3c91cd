import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir } from '@iwp/core';
import { statusLocal } from './local/provider.js';

export interface ClusterEntry {
  name: string;
  provider: string;
  stateDir: string;
  running: boolean;
  kubeconfig?: string;
  region?: string;
  detail?: string;
}

/** The clusters this machine made: local ones (running or not) and EC2 ones (by their record). */
export async function listClusters(base = cacheDir('clusters')): Promise<ClusterEntry[]> {
  const names = await readdir(base).catch(() => [] as string[]);
  const out: ClusterEntry[] = [];
  for (const name of names.sort()) {
    const dir = join(base, name);
    if (!(await stat(dir).catch(() => undefined))?.isDirectory()) continue;
    const ec2 = await readFile(join(dir, 'ec2.json'), 'utf8').catch(() => undefined);
    if (ec2) {
      const rec = JSON.parse(ec2) as { region: string };
      out.push({ name, provider: 'ec2', stateDir: dir, running: true, region: rec.region, kubeconfig: join(dir, 'kubeconfig') });
      continue;
    }
    try {
      const c = await statusLocal(name, dir);
      out.push({ name, provider: 'local', stateDir: dir, running: true, kubeconfig: c.kubeconfig });
    } catch (err) {
      out.push({ name, provider: 'local', stateDir: dir, running: false, detail: (err as Error).message });
    }
  }
  return out;
}
