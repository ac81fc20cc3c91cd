import { Flags } from '@oclif/core';

/** Flags every command that finds a cluster by name shares. */
export const stateDirFlag = {
  'state-dir': Flags.string({ description: 'state directory of a local cluster [default: ~/.cache/iwp/clusters/NAME]', helpValue: 'DIR' }),
};
