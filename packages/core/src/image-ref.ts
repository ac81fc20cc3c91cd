import { badInput } from './errors.js';

/** An image reference, split: `registry/repository[:tag][@digest]`. */
export interface ImageRef {
  /** host[:port] */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface ParseImageRefOptions {
  /** names the flag or field in errors */
  field?: string;
  /**
   * The registry of a reference that names none, as docker does (`docker.io`, where a
   * one-component repository is `library/NAME`). Without it a registry is required: a tool
   * that pushes never guesses where to.
   */
  defaultRegistry?: string;
}

// the docker reference grammar (distribution/reference): host, path components, tag, digest
const HOST = /^(?:[a-zA-Z0-9.-]+(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?)$/;
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const REST = new RegExp(`^(${COMPONENT}(?:/${COMPONENT})*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$`);

/** A first component is a registry when it looks like a host: a dot, a port or `localhost`, as docker decides. */
const looksLikeHost = (s: string) => /[.:]/.test(s) || s === 'localhost' || s.startsWith('[');

/**
 * Parses `host[:port]/repo[:tag][@sha256:…]`; with `defaultRegistry`, also `repo:tag` and
 * `name@sha256:…` as docker and skopeo read them. Bad input (exit 2) names `field`.
 */
export function parseImageRef(ref: string, opts: ParseImageRefOptions = {}): ImageRef {
  const field = opts.field ?? 'image';
  const expected = opts.defaultRegistry ? 'an image reference such as 127.0.0.1:5000/repo:tag' : 'HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]';
  const slash = ref.indexOf('/');
  const first = slash > 0 ? ref.slice(0, slash) : undefined;
  const hasHost = first !== undefined && (opts.defaultRegistry === undefined || looksLikeHost(first));
  if (!hasHost && opts.defaultRegistry === undefined) throw badInput(field, expected, ref);
  if (hasHost && !HOST.test(first)) throw badInput(field, expected, ref);
  const m = REST.exec(hasHost ? ref.slice(slash + 1) : ref);
  if (!m) throw badInput(field, expected, ref);
  const [, path, tag, digest] = m;
  const registry = hasHost ? first : opts.defaultRegistry!;
  const repository = registry === 'docker.io' && !path!.includes('/') ? `library/${path}` : path!;
  return { registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** The reference as written: `registry/repository[:tag][@digest]`. */
export function formatImageRef(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The reference to pull: by digest when there is one, else by tag (`latest` when none). */
export function pullReference(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.digest ? `@${r.digest}` : `:${r.tag ?? 'latest'}`}`;
}

/** Loopback registries speak plain HTTP unless told otherwise, as in docker and containerd. */
export function isLoopbackRegistry(registry: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(registry);
}
