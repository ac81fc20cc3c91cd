import { Flags } from '@oclif/core';
import { readFile } from 'node:fs/promises';
import { cacheDir, ErrorCode, IwpError, parseDuration } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { logSink, runnerFlags, runnerSettings } from '../cli/flags.js';
import { scriptPath } from '../cli/event-input.js';
import { parseListen, parseSize } from '../cli/listen.js';
import { DeliveryLog } from '../server/deliveries.js';
import { createGateway } from '../server/gateway.js';
import { failInterruptedRuns } from '../server/recover.js';
import { openRunStore } from '../stores/index.js';

export default class Serve extends BaseCommand<typeof Serve> {
  static override description = 'webhook gateway: runs the script for each signed GitHub webhook or generic JSON event';
  static override examples = [
    '<%= config.bin %> serve --listen 127.0.0.1:8080 --script nix/pipelines/infrastructure.ts --secret-file /run/secrets/webhook',
    '<%= config.bin %> serve --listen :9000 --script brigade.js --secret-file hook.secret --executor runc --concurrency 4 --log-format json',
  ];
  static override flags = {
    listen: Flags.string({ default: '127.0.0.1:8080', description: 'address to listen on (port 0: any free port, printed on stderr)', helpValue: 'HOST:PORT' }),
    script: Flags.string({ required: true, description: 'the pipeline script run for each event', helpValue: 'FILE' }),
    'secret-file': Flags.string({ required: true, description: 'file holding the webhook secret that signs X-Hub-Signature-256', helpValue: 'FILE' }),
    'state-dir': Flags.string({ description: 'where seen delivery ids are kept [default: ~/.cache/iwp/pipeline]', helpValue: 'DIR' }),
    concurrency: Flags.integer({ min: 1, max: 64, default: 2, description: 'runs at the same time' }),
    'max-queue': Flags.integer({ min: 0, default: 100, description: 'runs waiting beyond that; more get 503' }),
    'max-body': Flags.string({ default: '25MiB', description: 'largest request body; larger gets 413' }),
    'spare-workers': Flags.integer({ min: 0, max: 8, default: 1, description: 'worker processes kept started ahead of webhooks, for a quicker start' }),
    'delivery-ttl': Flags.string({ default: '30d', description: 'forget delivery ids older than this (at start-up)' }),
    ...runnerFlags,
  };

  protected async execute(): Promise<undefined> {
    const { host, port } = parseListen(this.flags.listen);
    const script = await scriptPath(this.flags.script, '--script');
    const secret = await readSecret(this.flags['secret-file']);
    const settings = await runnerSettings(this.flags);
    const deliveries = new DeliveryLog(`${this.flags['state-dir'] ?? cacheDir('pipeline')}/deliveries`);
    await deliveries.prune(parseDuration(this.flags['delivery-ttl'], '--delivery-ttl'));
    const store = openRunStore(this.flags['runs-dir']);
    for (const run of await failInterruptedRuns(store)) {
      this.logger.event('run.interrupted', { run: run.id }, `run ${run.id}: ${run.error}`);
    }
    const gateway = createGateway({
      secret,
      deliveries,
      run: { script, store, ...settings },
      concurrency: this.flags.concurrency,
      spareWorkers: this.flags['spare-workers'],
      maxQueue: this.flags['max-queue'],
      maxBodyBytes: parseSize(this.flags['max-body'], '--max-body'),
      onEvent: logSink(this.logger),
    });
    const url = await gateway.listen(host, port).catch((err: NodeJS.ErrnoException) => {
      throw new IwpError(ErrorCode.BAD_INPUT, `--listen: cannot listen on ${this.flags.listen}: ${err.code ?? err.message}`);
    });
    this.logger.event('server.listening', { url, script }, `listening on ${url} (script ${script})`);
    const signal = await new Promise<string>((resolve) => {
      for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, () => resolve(s));
    });
    this.logger.event('server.stopping', { signal }, `${signal}: waiting for running pipelines, then stopping`);
    await gateway.close();
    return undefined;
  }
}

async function readSecret(file: string): Promise<string> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new IwpError(ErrorCode.FILE_NOT_FOUND, `--secret-file: cannot read ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.code}`);
  });
  const secret = text.replace(/\r?\n$/, '');
  if (secret.length < 8) throw new IwpError(ErrorCode.BAD_INPUT, `--secret-file: expected a secret of at least 8 characters in ${file}`);
  return secret;
}
