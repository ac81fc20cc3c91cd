import { access, mkdir, readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { ErrorCode, IwpError, cacheDir, pool, runProcess, writeFileAtomic, type Runner } from '@iwp/core';
import { SERVING_COMPONENTS, importPath } from './images.js';

/** The repository this package lives in: scripts/knative/build, nix/images and nix-image are there. */
export const REPO_ROOT = join(import.meta.dirname, '..', '..', '..');

export interface BuiltImage {
  /** ko import path (or `iwp/ingress`) */
  path: string;
  /** registry/repository@sha256:... */
  ref: string;
  /** false when the registry had it already (nothing sent but one HEAD) */
  pushed: boolean;
}

export interface BuildImagesOptions {
  version: string;
  /** host:port of the registry the cluster pulls from */
  registry: string;
  run?: Runner;
  fetcher?: typeof fetch;
  log?: (line: string) => void;
}

/** A registry that does not answer /v2/ is named before anything is built or installed. */
export async function checkRegistry(registry: string, fetcher: typeof fetch = fetch): Promise<void> {
  const url = `${/^(127\.|localhost|\[::1\])/.test(registry) ? 'http' : 'https'}://${registry}/v2/`;
  const res = await fetcher(url, { signal: AbortSignal.timeout(10_000) }).catch((err: Error) => {
    throw new IwpError(ErrorCode.UNREACHABLE, `registry ${registry} is unreachable (${(err.cause as Error)?.message ?? err.message}); nothing was installed`, { hint: 'start it, or pass --registry' });
  });
  if (res.status >= 500) throw new IwpError(ErrorCode.UNREACHABLE, `registry ${registry} answers HTTP ${res.status}; nothing was installed`);
}

async function nixImage(o: BuildImagesOptions, dir: string, repo: string, tag: string, env: Record<string, string>): Promise<{ ref: string; pushed: boolean }> {
  const run = o.run ?? runProcess;
  const r = await run('node', [join(REPO_ROOT, 'packages', 'nix-image', 'bin', 'run.js'), 'build', join(REPO_ROOT, 'nix', 'images', dir), '--push', `${o.registry}/${repo}:${tag}`, '--json', '--quiet'],
    { env: { ...process.env, ...env }, reject: false });
  if (r.exitCode !== 0) {
    const msg = (() => { try { return (JSON.parse(r.stdout) as { message?: string }).message; } catch { return undefined; } })() ?? r.stderr.trim().split('\n').slice(-3).join(' | ');
    throw new IwpError(ErrorCode.FAILED, `nix-image build nix/images/${dir} --push ${o.registry}/${repo}:${tag}: ${msg}; nothing was installed`);
  }
  const doc = JSON.parse(r.stdout) as { digest: string; push?: { manifestPushed?: boolean; uploaded?: number } };
  return { ref: `${o.registry}/${repo}@${doc.digest}`, pushed: Boolean(doc.push?.manifestPushed || doc.push?.uploaded) };
}

/**
 * Knative Serving's controller, webhook, autoscaler, activator and queue-proxy built from the
 * knative.dev/serving module (scripts/knative/build --components: once, cached under
 * ~/.cache/iwp/knative), each packed by nix-image (nix/images/knative) and pushed, two at a time;
 * an image the registry has already costs one HEAD. Returns the images by digest, in
 * SERVING_COMPONENTS order.
 */
export async function buildServingImages(o: BuildImagesOptions): Promise<BuiltImage[]> {
  const run = o.run ?? runProcess;
  o.log?.(`building knative.dev/serving ${o.version} (scripts/knative/build --components; cached after the first time)`);
  const built = await run(join(REPO_ROOT, 'scripts', 'knative', 'build'), ['--components'], { env: { ...process.env, IWP_KNATIVE_VERSION: o.version }, reject: false });
  if (built.exitCode !== 0) throw new IwpError(ErrorCode.FAILED, `scripts/knative/build --components: ${built.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const bin = built.stdout.trim().split('\n').at(-1)!;
  // two at a time: each is mostly a nix-image process starting, evaluating and asking the
  // registry; with nothing changed the five took 1.4-3.5 s one after another
  return pool([...SERVING_COMPONENTS], 2, async (c) => {
    o.log?.(`image knative/${c} -> ${o.registry}`);
    const img = await nixImage(o, 'knative', `knative/${c}`, o.version, { IWP_KNATIVE_COMPONENT: c, IWP_KNATIVE_BINARY: join(bin, c) });
    return { path: importPath(c), ...img };
  });
}

/** The ingress program in one file (esbuild), content-addressed under ~/.cache/iwp/knative/ingress. */
async function bundleIngress(): Promise<string> {
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: [join(import.meta.dirname, 'ingress', 'main.js')], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent',
    // CommonJS dependencies of the client call require()
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const text = r.outputFiles[0]!.contents;
  const dir = cacheDir('knative', 'ingress', createHash('sha256').update(text).digest('hex').slice(0, 16));
  const file = join(dir, 'ingress.mjs');
  if (!(await access(file).then(() => true, () => false)) || !(await readFile(file)).equals(Buffer.from(text))) {
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(file, text);
  }
  return file;
}

/** iwp's ingress image: the bundled program and node (nix/images/knative-ingress), pushed. */
export async function buildIngressImage(o: BuildImagesOptions): Promise<BuiltImage> {
  const bundle = await bundleIngress();
  o.log?.(`image iwp/ingress -> ${o.registry}`);
  return { path: 'iwp/ingress', ...(await nixImage(o, 'knative-ingress', 'iwp/ingress', 'latest', { IWP_INGRESS_BUNDLE: bundle })) };
}
