import { execa, type Options } from 'execa';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs an iwp tool as a user does (the built bin), never throwing on a non-zero exit. */
export function tool(name: string, args: string[], opts: Options = {}) {
  return execa('node', [`${root}packages/${name}/bin/run.js`, ...args], { reject: false, stdin: 'ignore', ...opts });
}

/** `sh -c` with the workspace's bin/ first on PATH, for real shell pipes. */
export function shell(script: string, opts: Options = {}) {
  return execa('bash', ['-o', 'pipefail', '-c', script], {
    reject: false,
    stdin: 'ignore',
    ...opts,
    env: { ...process.env, PATH: `${root}bin:${process.env.PATH}`, ...(opts.env ?? {}) },
  });
}
