// The CLI entry (`@iwp/core/cli`): oclif's base command and the flags every tool shares.
// The library entry (`@iwp/core`) never imports @oclif/core, so scripts and pipeline jobs
// that use iwp as code do not load a CLI framework.
export * from './command.js';
export * from './kube-flags.js';
