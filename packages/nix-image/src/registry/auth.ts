import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  username: string;
  password: string;
}

/**
 * Credentials for a registry as docker, skopeo and crane find them: explicit, then
 * `$REGISTRY_AUTH_FILE`, `$DOCKER_CONFIG/config.json` or `~/.docker/config.json` (`auths`).
 */
export async function findCredentials(registry: string, explicit?: Credentials): Promise<Credentials | undefined> {
  if (explicit) return explicit;
  const files = [
    process.env.REGISTRY_AUTH_FILE,
    join(process.env.DOCKER_CONFIG ?? join(homedir(), '.docker'), 'config.json'),
  ].filter((f): f is string => Boolean(f));
  for (const f of files) {
    try {
      const cfg = JSON.parse(await readFile(f, 'utf8')) as { auths?: Record<string, { auth?: string; username?: string; password?: string }> };
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

/** `Bearer realm="…",service="…",scope="…"` → scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const sp = header.indexOf(' ');
  const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
  const params: Record<string, string> = {};
  for (const m of header.slice(sp + 1).matchAll(/([a-zA-Z_]+)="([^"]*)"/g)) params[m[1]!.toLowerCase()] = m[2]!;
  return { scheme, params };
}
