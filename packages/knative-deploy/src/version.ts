import type { CoreV1Api } from '@kubernetes/client-node';
import { badInput } from '@iwp/core';

const parse = (v: string) => /^v?(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1).map(Number);

/** -1, 0, 1 as a is older, the same, newer than b; undefined when either is not a version. */
export function compareVersions(a: string, b: string): number | undefined {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return undefined;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return 0;
}

/** The version installed (the namespace's app.kubernetes.io/version), or undefined. */
export async function installedVersion(core: CoreV1Api, namespace: string): Promise<string | undefined> {
  try {
    return (await core.readNamespace({ name: namespace })).metadata?.labels?.['app.kubernetes.io/version'];
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/** Installing an older version over a newer one is bad input unless forced. */
export function checkDowngrade(installed: string | undefined, wanted: string, force: boolean): void {
  if (!installed || force) return;
  if (compareVersions(wanted, installed) === -1) {
    throw badInput('--version', `a version not older than the installed ${installed} (a downgrade needs --force)`, wanted);
  }
}
