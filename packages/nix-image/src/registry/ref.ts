import { badInput } from '@iwp/core';

export interface ImageRef {
  /** host[:port] */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses `host[:port]/repo[:tag][@sha256:…]` (docker reference grammar, registry required:
 * iwp never guesses docker.io). `field` names the flag in errors.
 */
export function parseRef(ref: string, field: string): ImageRef {
  const m = /^([a-zA-Z0-9.-]+(?::\d+)?|\[[0-9a-fA-F:]+\](?::\d+)?)\/([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(sha256:[a-f0-9]{64}))?$/.exec(ref);
  if (!m) throw badInput(field, 'HOST[:PORT]/REPOSITORY[:TAG][@sha256:DIGEST]', ref);
  const [, registry, repository, tag, digest] = m;
  return { registry: registry!, repository: repository!, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatRef(r: ImageRef): string {
  return `${r.registry}/${r.repository}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}
