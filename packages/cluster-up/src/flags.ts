import { Flags } from '@oclif/core';

/** Flags every command that finds a cluster by name shares. */
export const stateDirFlag = {
  'state-dir': Flags.string({ description: 'state directory of a local cluster [default: ~/.cache/iwp/clusters/NAME]', helpValue: 'DIR' }),
};

/** Flags of the ec2 provider. */
export const ec2Flags = {
  region: Flags.string({ description: 'AWS region [default: the descriptor\'s, else AWS_REGION]' }),
  ami: Flags.string({ description: 'AMI of the instances (cloud-init; Ubuntu, Debian or Amazon Linux) [default: the descriptor\'s ec2.ami]' }),
};
