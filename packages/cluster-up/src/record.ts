import { Flags } from '@oclif/core';
import { openStore } from '@iwp/core';
import { ObjectLockBackend, parseState, Stack } from '@iwp/remote-state';

export const stateFlag = {
  state: Flags.string({
    description: 'record the cluster in this remote-state store (stack cluster-NAME) so other machines see it [env: IWP_CLUSTER_STATE]',
    env: 'IWP_CLUSTER_STATE',
    helpValue: 'URL',
  }),
};

/**
 * Writes what a cluster is (its Cluster document and resources) as a new version of the
 * stack `cluster-<name>` in a remote-state store; `deleted` marks it gone, history keeps it all.
 */
export async function recordCluster(storeUrl: string, name: string, body: Record<string, unknown>): Promise<number> {
  const store = openStore(storeUrl, '--state');
  const stack = new Stack(store, new ObjectLockBackend(store), `cluster-${name}`);
  await stack.init();
  const out = await stack.push(parseState(Buffer.from(JSON.stringify(body)), false, 'cluster record'), 'force');
  return out.env.version;
}
