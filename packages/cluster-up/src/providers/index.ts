import type { Provider, ProviderName } from './types.js';

// A provider's plan goes back only to its own create, so the table may forget the plan type.
/**
 * The providers by name. Each is loaded on first use: the ec2 one brings the AWS SDK, which
 * a local create should not pay for.
 */
export const providers: Record<ProviderName, () => Promise<Provider>> = {
  local: async () => (await import('./local/provider.js')).localProvider() as unknown as Provider,
  kind: async () => (await import('./kind/provider.js')).kindProvider() as unknown as Provider,
  ec2: async () => (await import('./ec2/provider.js')).ec2Provider() as unknown as Provider,
};

export * from './types.js';
