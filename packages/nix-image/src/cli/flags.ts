import { Flags } from '@oclif/core';
import { badInput } from '@iwp/core';
import type { Credentials } from '../registry/auth.js';

export const registryFlags = {
  creds: Flags.string({ description: 'registry credentials USER:PASSWORD [default: $IWP_REGISTRY_CREDS, then ~/.docker/config.json]', helpValue: 'USER:PASSWORD' }),
  'plain-http': Flags.boolean({ description: 'talk HTTP, not HTTPS, to the registry (the default for loopback registries)', allowNo: true, aliases: ['insecure'] }),
  jobs: Flags.integer({ description: 'blobs transferred at once', default: 4 }),
};

export function parseCreds(value: string | undefined, field = '--creds'): Credentials | undefined {
  const v = value ?? process.env.IWP_REGISTRY_CREDS;
  if (!v) return undefined;
  const i = v.indexOf(':');
  if (i <= 0) throw badInput(field, 'USER:PASSWORD', '(hidden)');
  return { username: v.slice(0, i), password: v.slice(i + 1) };
}
