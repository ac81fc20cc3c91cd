import { execa } from 'execa';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { abortReason, type Executor, type JobContext, type JobOutcome, type JobSpec } from '../types.js';
import { ImageCache } from './image-cache.js';
import { renderRuntimeConfig, type RuntimeConfig } from './runtime-config.js';

export interface RuncOptions {
  /** runc's state directory (--root) */
  stateRoot?: string;
  /** where pulled images are unpacked (the runner passes ~/.cache/iwp/pipeline/images) */
  imageCache: string;
  insecureRegistries?: string[];
  authFile?: string;
}

/**
 * Runs a job's primary container from its OCI image with runc: the image is pulled from
 * its registry and unpacked (cached by digest), each job gets its own copy of the root
 * filesystem, the run's workspace is bind-mounted at `workspaceMountPath`.
 */
export class RuncExecutor implements Executor {
  readonly name = 'runc';
  private readonly images: ImageCache;
  private readonly stateRoot: string;

  constructor(opts: RuncOptions) {
    this.stateRoot = opts.stateRoot ?? '/run/iwp-pipeline-runc';
    this.images = new ImageCache({
      dir: opts.imageCache,
      ...(opts.insecureRegistries ? { insecureRegistries: opts.insecureRegistries } : {}),
      ...(opts.authFile ? { authFile: opts.authFile } : {}),
    });
  }

  async run(spec: JobSpec, ctx: JobContext): Promise<JobOutcome> {
    if (Object.keys(spec.sidecars).length) return { exitCode: null, error: 'the runc executor does not run sidecar containers' };
    const c = spec.primary;
    const image = await this.images.get(c.image, c.imagePullPolicy);
    ctx.onNote(`${image.pulled ? 'pulled' : 'cached'} ${c.image} (${image.digest.slice(0, 19)})`, { digest: image.digest });
    const bundle = join(ctx.scratchDir, 'bundle');
    await rm(bundle, { recursive: true, force: true });
    await mkdir(bundle, { recursive: true });
    const id = `iwp-${spec.runId}-${ctx.scratchDir.split('/').pop()}`.slice(0, 100);
    try {
      await cp(join(image.bundleDir, 'rootfs'), join(bundle, 'rootfs'), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
      const base = JSON.parse(await readFile(join(image.bundleDir, 'config.json'), 'utf8')) as RuntimeConfig;
      const config = renderRuntimeConfig(base, image.config, c, { workspaceDir: ctx.workspaceDir, ...(ctx.sourceDir ? { sourceDir: ctx.sourceDir } : {}) }, spec.name.slice(0, 63));
      await writeFile(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
      const child = execa('runc', ['--root', this.stateRoot, 'run', '--bundle', bundle, id], {
        stdin: 'ignore',
        reject: false,
        buffer: false,
        encoding: 'utf8',
        cancelSignal: ctx.signal,
        // runc forwards SIGTERM to the container's process
        killSignal: 'SIGTERM',
        forceKillAfterDelay: 5000,
      });
      child.stdout?.on('data', (d: Buffer | string) => ctx.onOutput('stdout', d.toString()));
      child.stderr?.on('data', (d: Buffer | string) => ctx.onOutput('stderr', d.toString()));
      const r = await child;
      const details = { imageDigest: image.digest, container: id };
      if (ctx.signal.aborted) return { exitCode: r.exitCode ?? null, error: abortReason(ctx.signal), details };
      if (r.exitCode === undefined) return { exitCode: null, error: `runc: ${r.code === 'ENOENT' ? 'not installed' : r.shortMessage}`, details };
      return { exitCode: r.exitCode, details };
    } finally {
      await execa('runc', ['--root', this.stateRoot, 'delete', '--force', id], { reject: false });
      await rm(bundle, { recursive: true, force: true });
    }
  }
}
