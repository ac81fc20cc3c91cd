import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, notFound, type ObjectStore, type PipelineRun } from '@iwp/core';
import { newestFirst, RUN_ID_PATTERN } from '../run-id.js';
import { FileRunStore, readLogs, resolveId } from './file.js';
import type { RunLog, RunStore } from './types.js';

/**
 * Run history in an object store (core's, an S3 prefix in practice): `<prefix>/<run id>/run.json`,
 * `event.json`, `script.log`, `logs/<job>.log`. A live run writes into a local staging
 * directory; its record is uploaded when it starts and when it ends, its logs when it ends.
 */
export class S3RunStore implements RunStore {
  private readonly staging: FileRunStore;

  constructor(
    private readonly store: ObjectStore,
    stagingDir: string = cacheDir('pipeline', 's3-staging', store.url.replace(/^[a-z0-9]+:\/\//, '')),
  ) {
    this.staging = new FileRunStore(stagingDir);
  }

  get location(): string {
    return this.store.url;
  }

  prepare(id: string): Promise<string> {
    return this.staging.prepare(id);
  }

  logLocation(id: string): string {
    return `${this.location}/${id}/logs`;
  }

  async save(run: PipelineRun): Promise<void> {
    await this.staging.save(run);
    if (run.status === 'running' || run.status === 'queued') await this.put(`${run.id}/run.json`, JSON.stringify(run, null, 2));
  }

  async finish(run: PipelineRun): Promise<void> {
    await this.staging.save(run);
    const dir = join(this.staging.dir, run.id);
    const logs = await readdir(join(dir, 'logs')).catch(() => [] as string[]);
    const files = ['event.json', 'script.log', ...logs.map((l) => `logs/${l}`)];
    for (const rel of files) {
      const body = await readFile(join(dir, rel)).catch(() => undefined);
      if (body) await this.put(`${run.id}/${rel}`, body);
    }
    // the record last: a reader that sees a finished run finds its logs
    await this.put(`${run.id}/run.json`, JSON.stringify(run, null, 2));
  }

  async list(): Promise<PipelineRun[]> {
    const ids = await this.ids();
    const out: PipelineRun[] = [];
    for (const id of ids) {
      const run = await this.getText(`${id}/run.json`).then((t) => JSON.parse(t) as PipelineRun, () => undefined);
      if (run) out.push(run);
    }
    return newestFirst(out);
  }

  async get(idOrPrefix: string): Promise<PipelineRun> {
    const id = resolveId(idOrPrefix, await this.ids(), this.location);
    return JSON.parse(await this.getText(`${id}/run.json`)) as PipelineRun;
  }

  async logs(idOrPrefix: string, job?: string): Promise<RunLog[]> {
    const run = await this.get(idOrPrefix);
    return readLogs(run, job, (rel) => `${this.location}/${run.id}/${rel}`, (url) => this.getText(url.slice(this.location.length + 1)));
  }

  async event(idOrPrefix: string): Promise<Record<string, unknown>> {
    const id = resolveId(idOrPrefix, await this.ids(), this.location);
    return JSON.parse(await this.getText(`${id}/event.json`)) as Record<string, unknown>;
  }

  private async ids(): Promise<string[]> {
    const ids = new Set<string>();
    for (const o of await this.store.list('')) {
      const id = o.key.split('/')[0]!;
      if (o.key.includes('/') && RUN_ID_PATTERN.test(id)) ids.add(id);
    }
    return [...ids].sort().reverse();
  }

  private async put(rel: string, body: string | Buffer): Promise<void> {
    await this.store.put(rel, body);
  }

  private async getText(rel: string): Promise<string> {
    const obj = await this.store.get(rel);
    if (!obj) throw notFound(`${this.location}/${rel}`);
    return obj.body.toString('utf8');
  }
}
