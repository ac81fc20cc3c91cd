import { readFile } from 'node:fs/promises';
import { runProcess } from '@iwp/core/runner';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * Credentials for a registry as docker, skopeo and crane find them: explicit, then
 * `$REGISTRY_AUTH_FILE`, `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`: a
 * `credHelpers` entry for the registry (or `credsStore`) runs `docker-credential-<helper> get`,
 * else `auths`.
 */
export async function findCredentials(registry: string, explicit?: Credentials): Promise<Credentials | undefined> {
  if (explicit) return explicit;
  const files = [
    process.env.REGISTRY_AUTH_FILE,
    join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json'),
  ].filter((f): f is string => Boolean(f));
  for (const f of files) {
    try {
      const cfg = JSON.parse(await readFile(f, 'utf8')) as {
        auths?: Record<string, { auth?: string; username?: string; password?: string }>;
        credHelpers?: Record<string, string>;
        credsStore?: string;
      };
      const helper = cfg.credHelpers?.[registry] ?? cfg.credsStore;
      if (helper) {
        const fromHelper = await credentialHelper(helper, registry);
        if (fromHelper) return fromHelper;
      }
      const entry = cfg.auths?.[registry] ?? cfg.auths?.[`https://${registry}`] ?? cfg.auths?.[`http://${registry}`];
      if (entry?.auth) {
        const [username, ...rest] = Buffer.from(entry.auth, 'base64').toString('utf8').split(':');
        return { username: username!, password: rest.join(':') };
      }
      if (entry?.username && entry.password) return { username: entry.username, password: entry.password };
    } catch {
      // no such file, or not JSON: try the next
    }
  }
  return undefined;
}

/** docker's credential-helper protocol: the server URL on stdin, `{"Username","Secret"}` on stdout. */
async function credentialHelper(helper: string, registry: string): Promise<Credentials | undefined> {
  // a helper that is missing or fails gives no credentials, as if none were configured
  const r = await runProcess(`docker-credential-${helper}`, ['get'], { input: registry, reject: false }).catch(() => undefined);
  if (!r || r.exitCode !== 0) return undefined;
  try {
    const c = JSON.parse(String(r.stdout)) as { Username?: string; Secret?: string };
    return c.Username && c.Secret ? { username: c.Username, password: c.Secret } : undefined;
  } catch {
    return undefined;
  }
}

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const sp = header.indexOf(' ');
  const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(sp + 1).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return { scheme, params };
}
