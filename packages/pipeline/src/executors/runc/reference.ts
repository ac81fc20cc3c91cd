export interface ImageRef {
  /** registry host (with port), `docker.io` when the reference names none */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses `host:port/repo/name:tag`, `name@sha256:...`, `debian:12` as docker and skopeo do. */
export function parseImageRef(ref: string, field = 'image'): ImageRef {
  const m = /^(?:([^/]+)\/)?([a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref);
  if (!m) throw new Error(`${field}: expected an image reference such as 127.0.0.1:5000/repo:tag, got ${JSON.stringify(ref)}`);
  let [, host, path, tag, digest] = m;
  // the first component is a registry only if it looks like a host
  if (host !== undefined && !/[.:]/.test(host) && host !== 'localhost') {
    path = `${host}/${path}`;
    host = undefined;
    if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*\//.test(path)) throw new Error(`${field}: expected an image reference such as 127.0.0.1:5000/repo:tag, got ${JSON.stringify(ref)}`);
  }
  const registry = host ?? 'docker.io';
  const repository = registry === 'docker.io' && !path!.includes('/') ? `library/${path}` : path!;
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatRef(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.digest ? `@${r.digest}` : `:${r.tag ?? 'latest'}`}`;
}

/** Loopback registries are plain HTTP unless they say otherwise, as in docker and containerd. */
export function isInsecure(registry: string, extra: readonly string[] = []): boolean {
  const host = registry.replace(/:\d+$/, '');
  return extra.includes(registry) || host === 'localhost' || host === '127.0.0.1' || host === '[::1]' || /^127\./.test(host);
}
