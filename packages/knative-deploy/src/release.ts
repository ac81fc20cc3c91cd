import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubernetesObject } from '@kubernetes/client-node';
import { API_VERSION, ErrorCode, IwpError, type KnativeManifest as KnativeManifestDocument } from '@iwp/core';
import { filesUnder, moduleZip, requireOf } from './gomodules.js';
import { koPaths, knativeRelease, releaseImageRefs } from './images.js';

/**
 * Knative Serving's Go module version. v0.50.0 is the newest whose pinned knative.dev/pkg,
 * networking and caching versions the Go module proxy serves, so its components build.
 */
export const DEFAULT_SERVING_VERSION = 'v0.50.0';

/**
 * A manifest as it ships with the package: core's KnativeManifest document (the objects of a
 * release in source form, images as `ko://` import paths resolved at install time, and the
 * images Knative publishes for them), its objects typed as the Kubernetes client reads them.
 */
export type KnativeManifest = Omit<KnativeManifestDocument, 'objects'> & { objects: KubernetesObject[] };

/** The manifests that ship with the package (scripts/knative-manifest regenerates them). */
export const shippedManifest = (version: string, component: KnativeManifest['component'] = 'serving') =>
  join(import.meta.dirname, '..', 'manifests', `${component}-${version}.json`);

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

/** Sources carry `app.kubernetes.io/version: devel` (and serving.knative.dev/release): put the real version. */
function labelVersion(o: KubernetesObject, version: string): KubernetesObject {
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v)) return v.forEach(walk);
    const rec = v as Record<string, unknown>;
    for (const [k, x] of Object.entries(rec)) {
      if ((k === 'app.kubernetes.io/version' || k === 'serving.knative.dev/release') && x === 'devel') rec[k] = version;
      else walk(x);
    }
  };
  walk(o.metadata);
  walk((o as { spec?: { template?: unknown } }).spec?.template);
  return o;
}

const isCrd = (o: KubernetesObject) => o.kind === 'CustomResourceDefinition';
/** Namespaces first, then CRDs, then the rest in file order: the order of the release file. */
const releaseOrder = (objects: KubernetesObject[]) => [
  ...objects.filter((o) => o.kind === 'Namespace'), ...objects.filter(isCrd), ...objects.filter((o) => o.kind !== 'Namespace' && !isCrd(o)),
];

function manifest(component: KnativeManifest['component'], version: string, sources: string[], objects: KubernetesObject[]): KnativeManifest {
  const labelled = releaseOrder(objects.map((o) => labelVersion(o, version)));
  return {
    apiVersion: API_VERSION, kind: 'KnativeManifest', component, version, release: knativeRelease(version), sources,
    releaseImages: releaseImageRefs(version, koPaths(labelled)), objects: labelled,
  };
}

/**
 * Knative Serving core for a module version, as its release's serving-core.yaml holds it:
 * everything under config/core (namespace, RBAC, service accounts, config maps, the
 * controller, webhook, autoscaler and activator with their Services, PDBs and HPAs, the
 * webhook's Secret and configurations, the queue-proxy image cache, the routing Certificate)
 * and the CRDs. Certificate, ingress, serverlessservice and domain-claim CRDs and
 * config-network come from knative.dev/networking, the image cache CRD from knative.dev/caching,
 * at the versions serving's go.mod pins: in serving's repository they are symlinks into
 * vendor/, which module zips drop.
 */
export async function servingManifestFromModules(version: string, fetcher: typeof fetch = fetch): Promise<KnativeManifest> {
  const serving = await moduleZip('knative.dev/serving', version, fetcher);
  const root = `knative.dev/serving@${version}/`;
  const goMod = filesUnder(serving, root, ['go.mod'])['go.mod'] ?? '';
  const objects: KubernetesObject[] = [];
  const sources = [`knative.dev/serving@${version}`];
  const add = (files: Record<string, string>, source: string, keep: (o: KubernetesObject) => boolean = () => true) => {
    for (const name of Object.keys(files).sort()) objects.push(...parseManifest(files[name]!, `${source}/${name}`).filter(keep));
  };
  add(filesUnder(serving, `${root}config/core/`), 'serving');
  for (const module of ['knative.dev/networking', 'knative.dev/caching']) {
    const v = requireOf(goMod, module);
    sources.push(`${module}@${v}`);
    add(filesUnder(await moduleZip(module, v, fetcher), `${module}@${v}/config/`), module, (o) => isCrd(o) || o.kind === 'ConfigMap');
  }
  if (objects.filter(isCrd).length === 0) throw new IwpError(ErrorCode.FAILED, `knative serving ${version}: no CRDs found`);
  return manifest('serving', version, sources, objects);
}

/** Kourier for a version from a checkout of knative-extensions/net-kourier at that tag (its config/). */
export async function kourierManifestFromDir(dir: string, version: string, source = `knative.dev/net-kourier@${version}`): Promise<KnativeManifest> {
  const config = join(dir, 'config');
  const names = (await readdir(config)).filter((n) => n.endsWith('.yaml')).sort();
  const objects: KubernetesObject[] = [];
  for (const n of names) objects.push(...parseManifest(await readFile(join(config, n), 'utf8'), `net-kourier/config/${n}`));
  return manifest('net-kourier', version, [source], objects);
}

async function readShipped(version: string, component: KnativeManifest['component']): Promise<KnativeManifest | undefined> {
  try {
    return JSON.parse(await readFile(shippedManifest(version, component), 'utf8')) as KnativeManifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return undefined;
  }
}

/** Serving core for a version: the one shipped with the package, else built from the Go proxy. */
export async function servingManifest(version = DEFAULT_SERVING_VERSION, fetcher: typeof fetch = fetch): Promise<KnativeManifest> {
  return (await readShipped(version, 'serving')) ?? servingManifestFromModules(version, fetcher);
}

/** Kourier for a version: only the shipped one (net-kourier is not on the Go module proxy). */
export async function kourierManifest(version = DEFAULT_SERVING_VERSION): Promise<KnativeManifest> {
  const m = await readShipped(version, 'net-kourier');
  if (!m) throw new IwpError(ErrorCode.NOT_FOUND, `--networking kourier: no Kourier manifest ships for ${version} (scripts/knative-manifest --kourier DIR makes one)`);
  return m;
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
