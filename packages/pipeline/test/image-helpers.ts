import { mkdir, symlink, writeFile, copyFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { tempDir } from './helpers.js';

const APPLETS = ['sh', 'echo', 'cat', 'ls', 'id', 'sleep', 'true', 'false', 'env', 'pwd', 'hostname', 'wc', 'printf'];
const BUSYBOX = '/usr/bin/busybox';

/** Registry credentials from the test environment, as a docker config file (or undefined). */
export async function registryAuth(t: Tap.Test): Promise<{ dockerConfig?: string; creds?: string }> {
  const user = process.env.IWP_REGISTRY_USER;
  const pass = process.env.IWP_REGISTRY_PASSWORD;
  if (!user || !pass) return {};
  const dir = await tempDir(t, 'iwp-docker-config-');
  const auth = Buffer.from(`${user}:${pass}`).toString('base64');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [process.env.IWP_REGISTRY!]: { auth } } }));
  return { dockerConfig: dir, creds: `${user}:${pass}` };
}

export function skipUnlessRunc(t: Tap.Test): boolean {
  if (!process.env.IWP_REGISTRY) {
    t.skip('IWP_REGISTRY not set: start the test environment (scripts/testenv up)');
    return true;
  }
  if (process.getuid?.() !== 0) {
    t.skip('runc jobs need root');
    return true;
  }
  const missing = [BUSYBOX, '/usr/sbin/runc', '/usr/bin/skopeo', '/usr/bin/umoci'].filter((p) => !existsSync(p));
  if (missing.length) {
    t.skip(`${missing.join(', ')} missing: apt-get install busybox-static runc skopeo umoci`);
    return true;
  }
  return false;
}

/**
 * A tiny OCI image, busybox (static) and a few applet links, built with umoci and pushed
 * to the test registry with skopeo. Returns its reference and manifest digest.
 */
export async function pushBusyboxImage(t: Tap.Test, repo: string, creds?: string): Promise<{ ref: string; digest: string }> {
  const dir = await tempDir(t, 'iwp-image-');
  const layout = join(dir, 'layout');
  await execa('umoci', ['init', '--layout', layout]);
  await execa('umoci', ['new', '--image', `${layout}:img`]);
  await execa('umoci', ['unpack', '--image', `${layout}:img`, join(dir, 'bundle')]);
  const bin = join(dir, 'bundle', 'rootfs', 'bin');
  await mkdir(bin, { recursive: true });
  await copyFile(BUSYBOX, join(bin, 'busybox'));
  for (const a of APPLETS) await symlink('busybox', join(bin, a));
  await mkdir(join(dir, 'bundle', 'rootfs', 'tmp'), { recursive: true });
  await execa('umoci', ['repack', '--image', `${layout}:img`, join(dir, 'bundle')]);
  await execa('umoci', ['config', '--image', `${layout}:img`, '--config.env', 'PATH=/bin', '--config.workingdir', '/tmp',
    '--config.cmd', '/bin/sh', '--config.cmd', '-c', '--config.cmd', 'echo default cmd in $(pwd)']);
  const ref = `${process.env.IWP_REGISTRY}/${repo}`;
  const loopback = /^(127\.|localhost)/.test(ref);
  await execa('skopeo', ['copy', '--quiet', ...(loopback ? ['--dest-tls-verify=false'] : []), ...(creds ? ['--dest-creds', creds] : []), `oci:${layout}:img`, `docker://${ref}`]);
  const { stdout } = await execa('skopeo', ['inspect', ...(loopback ? ['--tls-verify=false'] : []), ...(creds ? ['--creds', creds] : []), '--format', '{{.Digest}}', `docker://${ref}`]);
  return { ref, digest: stdout.trim() };
}
