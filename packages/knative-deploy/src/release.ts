import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { ErrorCode, IwpError, cacheDir, writeFileAtomic } from '@iwp/core';

/**
 * Knative Serving's Go module version. v0.50.0 is the newest whose pinned knative.dev/pkg,
 * networking and caching versions the Go module proxy serves, so its controller builds.
 */
export const DEFAULT_SERVING_VERSION = 'v0.50.0';

/** The manifest that ships with the package (scripts/knative-manifest regenerates it). */
export const shippedManifest = (version: string) => join(import.meta.dirname, '..', 'manifests', `serving-${version}.json`);

function goProxy(): string {
  const first = (process.env.GOPROXY ?? 'https://proxy.golang.org').split(/[,|]/).find((p) => p.startsWith('http'));
  return (first ?? 'https://proxy.golang.org').replace(/\/$/, '');
}

/** A module zip from the Go module proxy, cached under ~/.cache/iwp/knative. */
async function moduleZip(module: string, version: string, fetcher: typeof fetch): Promise<Uint8Array> {
  const path = join(cacheDir('knative'), `${module.replaceAll('/', '_')}@${version}.zip`);
  try {
    return await readFile(path);
  } catch {
    const url = `${goProxy()}/${module}/@v/${version}.zip`;
    const res = await fetcher(url).catch((err: Error) => {
      throw new IwpError(ErrorCode.UNREACHABLE, `${url}: ${err.message}`);
    });
    if (res.status === 404 || res.status === 410) throw new IwpError(ErrorCode.NOT_FOUND, `${module} ${version} is not on ${goProxy()}`);
    if (!res.ok) throw new IwpError(ErrorCode.HTTP_ERROR, `${url}: HTTP ${res.status}`);
    const zip = new Uint8Array(await res.arrayBuffer());
    await mkdir(cacheDir('knative'), { recursive: true });
    await writeFileAtomic(path, zip);
    return zip;
  }
}

function filesUnder(zip: Uint8Array, prefix: string, exts = ['.yaml']): Record<string, string> {
  const files = unzipSync(zip, { filter: (f) => f.name.startsWith(prefix) && exts.some((e) => f.name.endsWith(e)) });
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k.slice(prefix.length), Buffer.from(v).toString('utf8')]));
}

/** Every object of a multi-document YAML (or JSON) text, empty documents dropped. */
export function parseManifest(text: string, source: string): KubernetesObject[] {
  const out: KubernetesObject[] = [];
  for (const d of parseAllDocuments(text)) {
    if (d.errors.length) throw new IwpError(ErrorCode.BAD_INPUT, `${source}: ${d.errors[0]!.message}`);
    const obj = d.toJS() as KubernetesObject | null;
    if (!obj) continue;
    if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) throw new IwpError(ErrorCode.BAD_INPUT, `${source}: every object needs apiVersion, kind and metadata.name`);
    out.push(obj);
  }
  return out;
}

function requireOf(goMod: string, module: string): string {
  const m = new RegExp(`^\\s*${module.replaceAll('.', '\\.')}\\s+(\\S+)`, 'm').exec(goMod);
  if (!m) throw new IwpError(ErrorCode.FAILED, `knative.dev/serving go.mod does not require ${module}`);
  return m[1]!;
}

/**
 * Knative Serving's API for a module version, as its release's serving-crds.yaml holds it:
 * the namespace, the CRDs (serving's own from config/core/300-resources; certificate,
 * ingress, serverlessservice and domain-claim from knative.dev/networking and the image cache
 * from knative.dev/caching at the versions serving's go.mod pins, because the module zip drops
 * the vendor/ they are linked from) and the controllers' config maps (serving's
 * config/core/configmaps and networking's config-network).
 */
export async function servingManifestFromModules(version: string, fetcher: typeof fetch = fetch): Promise<KubernetesObject[]> {
  const serving = await moduleZip('knative.dev/serving', version, fetcher);
  const root = `knative.dev/serving@${version}/`;
  const goMod = filesUnder(serving, root, ['go.mod'])['go.mod'] ?? '';
  const objects: KubernetesObject[] = [];
  const add = (files: Record<string, string>, source: string, keep: (o: KubernetesObject) => boolean) => {
    for (const name of Object.keys(files).sort()) objects.push(...parseManifest(files[name]!, `${source}/${name}`).filter(keep));
  };
  const isCrd = (o: KubernetesObject) => o.kind === 'CustomResourceDefinition';
  add(filesUnder(serving, `${root}config/core/`, ['100-namespace.yaml']), 'serving', (o) => o.kind === 'Namespace');
  add(filesUnder(serving, `${root}config/core/300-resources/`), 'serving', isCrd);
  for (const [module, dir] of [['knative.dev/networking', 'config/'], ['knative.dev/caching', 'config/']] as const) {
    const v = requireOf(goMod, module);
    add(filesUnder(await moduleZip(module, v, fetcher), `${module}@${v}/${dir}`), module, (o) => isCrd(o) || o.kind === 'ConfigMap');
  }
  add(filesUnder(serving, `${root}config/core/configmaps/`), 'serving', (o) => o.kind === 'ConfigMap');
  if (objects.filter(isCrd).length === 0) throw new IwpError(ErrorCode.FAILED, `knative serving ${version}: no CRDs found`);
  return objects.map((o) => stripReleaseLabels(o, version));
}

/** Release manifests carry `app.kubernetes.io/version: devel` in source: put the real version. */
function stripReleaseLabels(o: KubernetesObject, version: string): KubernetesObject {
  const labels = o.metadata?.labels;
  if (labels?.['app.kubernetes.io/version'] === 'devel') labels['app.kubernetes.io/version'] = version;
  return o;
}

/** The manifest for a version: the one shipped with the package, else built from the Go proxy. */
export async function servingManifest(version = DEFAULT_SERVING_VERSION, fetcher: typeof fetch = fetch): Promise<KubernetesObject[]> {
  try {
    return JSON.parse(await readFile(shippedManifest(version), 'utf8')) as KubernetesObject[];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return servingManifestFromModules(version, fetcher);
}

/** A manifest from a file or an http(s) URL (a release's serving-crds.yaml, serving-core.yaml, ...). */
export async function manifestFrom(source: string, fetcher: typeof fetch = fetch): Promise<KubernetesObject[]> {
  let text: string;
  if (/^https?:\/\//.test(source)) {
    const res = await fetcher(source).catch((err: Error) => {
      throw new IwpError(ErrorCode.UNREACHABLE, `--manifest ${source}: ${err.message}`);
    });
    if (!res.ok) throw new IwpError(res.status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.HTTP_ERROR, `--manifest ${source}: HTTP ${res.status}`);
    text = await res.text();
  } else {
    text = await readFile(source, 'utf8').catch(() => {
      throw new IwpError(ErrorCode.FILE_NOT_FOUND, `--manifest: ${source}: no such file`);
    });
  }
  const objects = parseManifest(text, `--manifest ${source}`);
  if (objects.length === 0) throw new IwpError(ErrorCode.BAD_INPUT, `--manifest ${source}: no objects`);
  return objects;
}
