import { Flags } from '@oclif/core';
import { envRegion, runProcess, type Logger } from '@iwp/core';
import { clusterStateDir } from '../cluster.js';
import { PROVIDERS, type ClusterRef, type ProviderContext } from '../providers/types.js';

/** Flags every command that finds a cluster by name shares. */
export const stateDirFlag = {
  'state-dir': Flags.string({ description: 'state directory of the cluster [default: ~/.cache/iwp/clusters/NAME]', helpValue: 'DIR' }),
};

export const providerFlag = {
  provider: Flags.option({ options: PROVIDERS, default: 'local' as const, description: 'where the cluster runs' })(),
};

/** Flags of the ec2 provider. */
export const ec2Flags = {
  region: Flags.string({ description: 'ec2: AWS region [default: the descriptor\'s, else AWS_REGION]' }),
  ami: Flags.string({ description: 'ec2: AMI of the instances (cloud-init; Ubuntu, Debian or Amazon Linux) [default: the descriptor\'s ec2.ami]' }),
};

/** The seams every provider call gets from a command. */
export const providerContext = (logger: Pick<Logger, 'info'>, timeoutS = 180): ProviderContext => ({ run: runProcess, logger, timeoutMs: timeoutS * 1000 });

/** The flags of a command that finds one cluster by name (status, delete). */
export const clusterRefFlags = { ...stateDirFlag, ...providerFlag, region: ec2Flags.region };

/** The cluster those flags name: its state dir, and for ec2 the region given or the environment's. */
export function clusterRef(name: string, f: { 'state-dir'?: string; region?: string }): ClusterRef {
  const region = envRegion();
  return { name, stateDir: clusterStateDir(name, f['state-dir']), ...(f.region ? { region: f.region } : {}), ...(region ? { defaultRegion: region } : {}) };
}
