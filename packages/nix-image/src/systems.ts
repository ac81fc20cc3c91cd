import { badInput, type Runner } from '@iwp/core';
import { canonical, MEDIA, sha256, type BuiltImage } from './oci.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const ARCH: Record<string, Platform> = {
  'x86_64-linux': { os: 'linux', architecture: 'amd64' },
  'aarch64-linux': { os: 'linux', architecture: 'arm64' },
  'i686-linux': { os: 'linux', architecture: '386' },
  'armv7l-linux': { os: 'linux', architecture: 'arm', variant: 'v7' },
  'armv6l-linux': { os: 'linux', architecture: 'arm', variant: 'v6' },
  'riscv64-linux': { os: 'linux', architecture: 'riscv64' },
  'powerpc64le-linux': { os: 'linux', architecture: 'ppc64le' },
  's390x-linux': { os: 'linux', architecture: 's390x' },
};

/** Nix system -> OCI platform: `aarch64-linux` -> linux/arm64. */
export function platformOf(system: string): Platform {
  const p = ARCH[system];
  if (!p) throw badInput('--system', `a Linux Nix system (${Object.keys(ARCH).join(', ')})`, system);
  return p;
}

/**
 * The systems this nix can build for: its own, its `extra-platforms`, and with remote
 * `builders` configured, any (the builders decide).
 */
export async function buildableSystems(run: Runner): Promise<{ native: string; systems: Set<string> | 'any' }> {
  const native = JSON.parse((await run('nix-instantiate', ['--eval', '--json', '--expr', 'builtins.currentSystem'])).stdout) as string;
  const conf = (await run('nix', ['--extra-experimental-features', 'nix-command', 'show-config'], { reject: false })).stdout;
  const value = (k: string) => new RegExp(`^${k} = (.*)$`, 'm').exec(conf)?.[1]?.trim() ?? '';
  if (value('builders') && value('builders') !== '@/etc/nix/machines') return { native, systems: 'any' };
  return { native, systems: new Set([native, ...value('extra-platforms').split(/\s+/).filter(Boolean)]) };
}

/** An OCI image index naming one manifest per platform. */
export function imageIndex(images: Array<{ image: BuiltImage; platform: Platform }>): { body: Buffer; digest: string } {
  const body = canonical({
    schemaVersion: 2,
    mediaType: MEDIA.index,
    manifests: images.map(({ image, platform }) => ({ mediaType: image.mediaType, digest: image.manifestDigest, size: image.manifest.length, platform })),
  });
  return { body, digest: sha256(body) };
}
