import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ErrorCode, IwpError, cacheDir, writeFileAtomic } from '@iwp/core';

/** Knative Serving's Go module version: module v0.51.0 is Knative 1.21-era serving. */
export const DEFAULT_SERVING_VERSION = 'v0.51.0';

/**
 * Knative Serving's CRDs, taken from the `knative.dev/serving` module zip on the Go module
 * proxy (`$GOPROXY`, default proxy.golang.org): the release manifests are not on it, but the
 * CRD sources (config/core/300-resources) are. Cached under ~/.cache/iwp/knative.
 */
export async function servingCrds(version = DEFAULT_SERVING_VERSION, fetcher: typeof fetch = fetch): Promise<KubernetesObject[]> {
  const zipPath = join(cacheDir('knative'), `serving-${version}.zip`);
  let zip: Uint8Array;
  try {
    zip = await readFile(zipPath);
  } catch {
    const proxy = (process.env.GOPROXY ?? 'https://proxy.golang.org').split(/[,|]/).find((p) => p.startsWith('http')) ?? 'https://proxy.golang.org';
    const url = `${proxy.replace(/\/$/, '')}/knative.dev/serving/@v/${version}.zip`;
    const res = await fetcher(url).catch((err: Error) => {
      throw new IwpError(ErrorCode.UNREACHABLE, `${url}: ${err.message}`);
    });
    if (res.status === 404 || res.status === 410) throw new IwpError(ErrorCode.NOT_FOUND, `knative serving ${version} not found on ${proxy}`);
    if (!res.ok) throw new IwpError(ErrorCode.HTTP_ERROR, `${url}: HTTP ${res.status}`);
    zip = new Uint8Array(await res.arrayBuffer());
    await mkdir(cacheDir('knative'), { recursive: true });
    await writeFileAtomic(zipPath, zip);
  }
  const prefix = `knative.dev/serving@${version}/config/core/300-resources/`;
  const files = unzipSync(zip, { filter: (f) => f.name.startsWith(prefix) && f.name.endsWith('.yaml') });
  const crds: KubernetesObject[] = [];
  for (const name of Object.keys(files).sort()) {
    for (const d of parseAllDocuments(Buffer.from(files[name]!).toString('utf8'))) {
      const obj = d.toJS() as KubernetesObject | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  if (crds.length === 0) throw new IwpError(ErrorCode.FAILED, `knative serving ${version}: no CRDs under config/core/300-resources`);
  return crds;
}
