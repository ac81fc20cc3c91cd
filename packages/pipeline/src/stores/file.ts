import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { badInput, notFound, writeFileAtomic, type PipelineRun } from '@iwp/core';
import { newestFirst, RUN_ID_PATTERN } from '../run-id.js';
import { SCRIPT_LOG, type RunLog, type RunStore } from './types.js';

/** Run history in a directory: `<dir>/<run id>/{run.json,event.json,script.log,logs/*.log}`. */
export class FileRunStore implements RunStore {
  constructor(readonly dir: string) {}

  get location(): string {
    return this.dir;
  }

  async prepare(id: string): Promise<string> {
    const d = join(this.dir, id);
    await mkdir(join(d, 'logs'), { recursive: true });
    return d;
  }

  logLocation(): undefined {
    return undefined;
  }

  async save(run: PipelineRun): Promise<void> {
    await writeFileAtomic(join(this.dir, run.id, 'run.json'), `${JSON.stringify(run, null, 2)}\n`);
  }

  async finish(run: PipelineRun): Promise<void> {
    await this.save(run);
  }

  async ids(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && RUN_ID_PATTERN.test(e.name)).map((e) => e.name).sort().reverse();
  }

  async list(): Promise<PipelineRun[]> {
    const runs = await Promise.all((await this.ids()).map((id) => this.read(id).catch(() => undefined)));
    return newestFirst(runs.filter((r): r is PipelineRun => r !== undefined));
  }

  async get(idOrPrefix: string): Promise<PipelineRun> {
    return this.read(await this.resolve(idOrPrefix));
  }

  async logs(idOrPrefix: string, job?: string): Promise<RunLog[]> {
    const id = await this.resolve(idOrPrefix);
    const run = await this.read(id);
    return readLogs(run, job, (rel) => join(this.dir, id, rel), (p) => readFile(p, 'utf8'));
  }

  async event(idOrPrefix: string): Promise<Record<string, unknown>> {
    const id = await this.resolve(idOrPrefix);
    const text = await readFile(join(this.dir, id, 'event.json'), 'utf8').catch(() => {
      throw notFound(`event of run ${id}`);
    });
    return JSON.parse(text) as Record<string, unknown>;
  }

  private async read(id: string): Promise<PipelineRun> {
    const text = await readFile(join(this.dir, id, 'run.json'), 'utf8').catch(() => {
      throw notFound(`run ${id}`);
    });
    return JSON.parse(text) as PipelineRun;
  }

  private async resolve(idOrPrefix: string): Promise<string> {
    return resolveId(idOrPrefix, await this.ids(), this.dir);
  }
}

export function resolveId(idOrPrefix: string, ids: string[], where: string): string {
  if (!/^[0-9a-f-]{1,40}$/.test(idOrPrefix)) throw badInput('RUN', 'a run id such as 20250102-030405-a1b2c3 (or a unique prefix)', idOrPrefix);
  if (ids.includes(idOrPrefix)) return idOrPrefix;
  const matches = ids.filter((id) => id.startsWith(idOrPrefix));
  if (matches.length === 0) throw notFound(`run ${idOrPrefix} in ${where}`);
  if (matches.length > 1) throw badInput('RUN', 'a prefix matching one run', `${idOrPrefix} (matches ${matches.length})`);
  return matches[0]!;
}

/** The script log and each job's log of a run, optionally one job's. */
export async function readLogs(
  run: PipelineRun,
  job: string | undefined,
  pathOf: (rel: string) => string,
  read: (location: string) => Promise<string>,
): Promise<RunLog[]> {
  const entries: Array<{ job: string; rel: string }> = [{ job: SCRIPT_LOG, rel: 'script.log' }];
  for (const j of run.jobs) {
    if (j.status === 'skipped') continue;
    const file = j.logFile?.split('/').pop() ?? `${j.name}.log`;
    entries.push({ job: j.name, rel: `logs/${file}` });
  }
  const wanted = job === undefined ? entries : entries.filter((e) => e.job === job);
  if (job !== undefined && wanted.length === 0) throw notFound(`job ${job} in run ${run.id}`);
  return Promise.all(wanted.map(async (e) => ({ job: e.job, location: pathOf(e.rel), text: await read(pathOf(e.rel)).catch(() => '') })));
}
