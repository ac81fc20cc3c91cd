import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type Options } from 'execa';
import { freePort } from '@iwp/core';
import { cliJson as coreCliJson, cliRunner, tempDir } from '@iwp/core/testing';

export const bin = fileURLToPath(new URL('../bin/run.js', import.meta.url));
export const cacheCtl = fileURLToPath(new URL('../../cache-ctl/bin/run.js', import.meta.url));
export const promBin = process.env.IWP_PROMETHEUS_BIN;
export const needsProm = (!promBin && 'IWP_PROMETHEUS_BIN not set: start the test environment (scripts/testenv up)') || false;
export const needsKube = (!process.env.KUBECONFIG && 'KUBECONFIG not set: start the test environment (scripts/testenv up)') || false;

type T = { teardown(fn: () => unknown): void };

export const cli = cliRunner(bin, { json: 'end' });
export const cliJson = (args: string[], opts: Options = {}) => coreCliJson(cli, args, opts);

export { freePort };

/** Starts the built Prometheus with a config file; stopped at teardown. Returns its URL. */
export async function startPrometheus(t: T, configText: string): Promise<string> {
  const dir = await tempDir(t, 'iwp-mon-ctl-');
  await writeFile(join(dir, 'prometheus.yml'), configText);
  const port = await freePort();
  const child = execa(join(promBin!, 'prometheus'), [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    reject: false,
    stdin: 'ignore',
  });
  t.teardown(() => {
    child.kill('SIGTERM');
    return child;
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${url}/-/ready`).then((r) => r.ok, () => false)) return url;
    if (child.exitCode !== null) break;
    await sleep(200);
  }
  throw new Error(`prometheus did not start: ${String((await child).stderr)}`);
}
