import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runProcess, type Runner } from '@iwp/core/runner';
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
  run?: Runner;
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
  private readonly runner: Runner;

  constructor(opts: RuncOptions) {
    this.stateRoot = opts.stateRoot ?? '/run/iwp-pipeline-runc';
    this.runner = opts.run ?? runProcess;
    this.images = new ImageCache({
      dir: opts.imageCache,
      ...(opts.insecureRegistries ? { insecureRegistries: opts.insecureRegistries } : {}),
      ...(opts.authFile ? { authFile: opts.authFile } : {}),
      run: this.runner,
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
      const details = { imageDigest: image.digest, container: id };
      let r;
      try {
        r = await this.runner('runc', ['--root', this.stateRoot, 'run', '--bundle', bundle, id], {
          stdin: 'ignore',
          reject: false,
          signal: ctx.signal,
          // runc forwards SIGTERM to the container's process
          killSignal: 'SIGTERM',
          forceKillAfterMs: 5000,
          onOutput: (stream, text) => ctx.onOutput(stream, text),
        });
      } catch (err) {
        const e = err as { details?: { notFound?: boolean }; message: string };
        return { exitCode: null, error: `runc: ${e.details?.notFound ? 'not installed' : e.message}`, details };
      }
      const exitCode = r.signal ? null : r.exitCode;
      if (ctx.signal.aborted) return { exitCode, error: abortReason(ctx.signal), details };
      return { exitCode, ...(r.signal ? { error: `runc: killed by ${r.signal}` } : {}), details };
    } finally {
      await this.runner('runc', ['--root', this.stateRoot, 'delete', '--force', id], { reject: false }).catch(() => undefined);
      await rm(bundle, { recursive: true, force: true });
    }
  }
}
