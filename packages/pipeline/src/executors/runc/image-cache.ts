import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
// the image-ref entry alone: the worker must not load core's index (see worker/main.ts)
import { isLoopbackRegistry, parseImageRef, pullReference } from '@iwp/core/image-ref';
import { runProcess, type Runner } from '@iwp/core/runner';

/** skopeo talks plain HTTP to loopback registries and to those named in `extra` (--insecure-registry). */
export function isInsecure(registry: string, extra: readonly string[] = []): boolean {
  return extra.includes(registry) || isLoopbackRegistry(registry);
}

/** The parts of an OCI image config a container run needs. */
export interface ImageConfig {
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  Env?: string[] | null;
  WorkingDir?: string;
  User?: string;
}

export interface UnpackedImage {
  /** digest of the manifest (or index) the reference pointed at */
  digest: string;
  /** an OCI runtime bundle made by umoci: rootfs/ and config.json */
  bundleDir: string;
  config: ImageConfig;
  pulled: boolean;
}

export interface ImageCacheOptions {
  dir: string;
  insecureRegistries?: string[];
  /** docker-style auth file; default $DOCKER_CONFIG/config.json when set */
  authFile?: string;
  run?: Runner;
}

/** Runs a tool to the end (`binary`: stdout's exact bytes); a failure names it with the last line of its stderr. */
async function runTool(run: Runner, file: string, args: string[], binary = false): Promise<Uint8Array | undefined> {
  const r = await run(file, args, { reject: false, stdin: 'ignore', binary }).catch((err: { details?: { notFound?: boolean }; message: string }) => {
    throw new Error(`${file} ${args[0]}: ${err.details?.notFound ? 'not installed' : err.message}`);
  });
  if (r.exitCode !== 0) throw new Error(`${file} ${args[0]}: ${r.stderr.trim().split('\n').pop() || `exited ${r.exitCode}`}`);
  return r.stdoutBytes;
}

/**
 * Images pulled from a registry and unpacked into runtime bundles, by digest. Pulling is
 * `skopeo copy docker://... oci:...` then `umoci unpack` (no Docker daemon); a bundle is
 * unpacked once and copied for each job.
 */
export class ImageCache {
  private readonly run: Runner;
  private readonly inflight = new Map<string, Promise<UnpackedImage>>();

  constructor(private readonly opts: ImageCacheOptions) {
    this.run = opts.run ?? runProcess;
  }

  get(ref: string, policy: string): Promise<UnpackedImage> {
    const key = `${ref}\0${policy}`;
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetch(ref, policy).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** skopeo's TLS and auth flags; `prefix` is `src` for copy, empty for inspect */
  private registryFlags(registry: string, prefix: '' | 'src'): string[] {
    const p = prefix ? `${prefix}-` : '';
    const out = isInsecure(registry, this.opts.insecureRegistries) ? [`--${p}tls-verify=false`] : [];
    const auth = this.opts.authFile ?? (process.env.DOCKER_CONFIG ? join(process.env.DOCKER_CONFIG, 'config.json') : undefined);
    if (auth && existsSync(auth)) out.push(`--${p}authfile`, auth);
    return out;
  }

  private async fetch(refText: string, policy: string): Promise<UnpackedImage> {
    const ref = parseImageRef(refText, { defaultRegistry: 'docker.io' });
    const full = pullReference(ref);
    const refFile = join(this.opts.dir, 'refs', createHash('sha256').update(full).digest('hex'));
    if (policy !== 'Always') {
      const known = await readFile(refFile, 'utf8').catch(() => undefined);
      if (known && existsSync(join(this.bundlePath(known), 'config.json'))) return this.load(known, false);
    }
    // the digest is of the manifest's exact bytes, so read them unaltered
    const manifest = await runTool(this.run, 'skopeo', ['inspect', '--raw', ...this.registryFlags(ref.registry, ''), `docker://${full}`], true).catch((err: Error) => {
      throw new Error(`image ${refText}: cannot read its manifest: ${err.message.replace(/^skopeo inspect: /, '')}`);
    });
    const digest = `sha256:${createHash('sha256').update(manifest!).digest('hex')}`;
    if (!existsSync(join(this.bundlePath(digest), 'config.json'))) await this.unpack(ref.registry, `${ref.registry}/${ref.repository}@${digest}`, digest);
    await mkdir(join(this.opts.dir, 'refs'), { recursive: true });
    await writeFile(refFile, digest);
    return this.load(digest, true);
  }

  private bundlePath(digest: string): string {
    return join(this.opts.dir, 'bundles', digest.replace(':', '-'));
  }

  private async unpack(registry: string, byDigest: string, digest: string): Promise<void> {
    await mkdir(join(this.opts.dir, 'bundles'), { recursive: true });
    const tmp = await mkdtemp(join(this.opts.dir, 'tmp-'));
    try {
      await runTool(this.run, 'skopeo', ['copy', '--quiet', ...this.registryFlags(registry, 'src'), `docker://${byDigest}`, `oci:${join(tmp, 'layout')}:image`]);
      await runTool(this.run, 'umoci', ['unpack', '--image', `${join(tmp, 'layout')}:image`, join(tmp, 'bundle')]);
      const config = await readImageConfig(join(tmp, 'layout'));
      await writeFile(join(tmp, 'bundle', 'image-config.json'), JSON.stringify(config));
      await rename(join(tmp, 'bundle'), this.bundlePath(digest)).catch((err: NodeJS.ErrnoException) => {
        // another run unpacked the same image meanwhile: keep theirs
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  private async load(digest: string, pulled: boolean): Promise<UnpackedImage> {
    const bundleDir = this.bundlePath(digest);
    const config = JSON.parse(await readFile(join(bundleDir, 'image-config.json'), 'utf8')) as ImageConfig;
    return { digest, bundleDir, config, pulled };
  }
}

/** index.json -> manifest -> config blob of a one-image OCI layout. */
async function readImageConfig(layout: string): Promise<ImageConfig> {
  const blob = async (digest: string) => JSON.parse(await readFile(join(layout, 'blobs', ...digest.split(':')), 'utf8'));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'));
  const manifest = await blob(index.manifests[0].digest);
  const config = await blob(manifest.config.digest);
  return (config.config ?? {}) as ImageConfig;
}
