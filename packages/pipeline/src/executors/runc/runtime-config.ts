import type { ContainerSpec } from '../types.js';
import type { ImageConfig } from './image-cache.js';

/** The OCI runtime config fields iwp changes; the rest of umoci's config is kept. */
export interface RuntimeConfig {
  process: { terminal?: boolean; args: string[]; env: string[]; cwd: string; [k: string]: unknown };
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: Array<{ destination: string; type: string; source: string; options?: string[] }>;
  linux?: { namespaces?: Array<{ type: string; path?: string }>; [k: string]: unknown };
  [k: string]: unknown;
}

export interface Mounts {
  workspaceDir: string;
  sourceDir?: string;
}

/** Entrypoint/cmd as docker resolves them: command replaces the entrypoint, args the cmd. */
export function containerArgs(c: Pick<ContainerSpec, 'command' | 'args'>, image: ImageConfig): string[] {
  if (c.command.length) return [...c.command, ...c.args];
  return [...(image.Entrypoint ?? []), ...(c.args.length ? c.args : (image.Cmd ?? []))];
}

/**
 * A job's runtime config from the image's (pure: no I/O). The container shares the host's
 * network namespace, so a job reaches loopback services (a registry, a cache) as the host
 * does; the workspace and source are bind mounts, so no shared volume is needed.
 */
export function renderRuntimeConfig(base: RuntimeConfig, image: ImageConfig, c: ContainerSpec, mounts: Mounts, hostname: string): RuntimeConfig {
  const args = containerArgs(c, image);
  if (args.length === 0) throw new Error('the image has no entrypoint or cmd and the job sets no command');
  const env = new Map<string, string>();
  for (const e of base.process.env ?? []) {
    const i = e.indexOf('=');
    if (i > 0) env.set(e.slice(0, i), e.slice(i + 1));
  }
  if (!env.has('PATH')) env.set('PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  env.delete('TERM');
  for (const [k, v] of Object.entries(c.env)) env.set(k, v);
  const extraMounts: RuntimeConfig['mounts'] = [];
  if (c.workspaceMountPath) extraMounts.push({ destination: c.workspaceMountPath, type: 'bind', source: mounts.workspaceDir, options: ['rbind', 'rw'] });
  if (c.sourceMountPath && mounts.sourceDir) extraMounts.push({ destination: c.sourceMountPath, type: 'bind', source: mounts.sourceDir, options: ['rbind', 'ro'] });
  const linux = base.linux ?? {};
  return {
    ...base,
    process: {
      ...base.process,
      terminal: false,
      args,
      env: [...env].map(([k, v]) => `${k}=${v}`),
      cwd: c.workingDirectory || image.WorkingDir || base.process.cwd || '/',
    },
    root: { path: 'rootfs', readonly: false },
    hostname,
    mounts: [...base.mounts.filter((m) => !extraMounts.some((e) => e.destination === m.destination)), ...extraMounts],
    linux: { ...linux, namespaces: (linux.namespaces ?? []).filter((n) => n.type !== 'network') },
  };
}
