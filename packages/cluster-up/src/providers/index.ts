import type { Provider, ProviderName } from './types.js';

/**
 * The providers by name. Each is loaded on first use: the ec2 one brings the AWS SDK, which
 * a local create should not pay for.
 */
export const providers: Record<ProviderName, () => Promise<Provider>> = {
  local: async () => (await import('./local/provider.js')).localProvider(),
  kind: async () => (await import('./kind/provider.js')).kindProvider(),
  ec2: async () => (await import('./ec2/provider.js')).ec2Provider(),
};

export * from './types.js';
