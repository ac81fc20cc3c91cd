import { Flags } from '@oclif/core';
import { API_VERSION, badInput } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { openCache } from '../cli/flags.js';
import { createCacheServer } from '../serve.js';

export default class Serve extends BaseCommand<typeof Serve> {
  static override description = 'serve a cache over HTTP to nix substituters (with /metrics); prints a CacheServer document once listening';
  static override examples = ['<%= config.bin %> serve --from s3://nix-cache --listen 127.0.0.1:5050'];
  static override flags = {
    from: Flags.string({ description: 'the binary cache', env: 'IWP_CACHE', helpValue: 'URL' }),
    listen: Flags.string({ description: 'HOST:PORT (port 0: any free port)', default: '127.0.0.1:5050' }),
  };

  protected async execute() {
    const cache = openCache(this.flags.from, '--from');
    const m = /^(.+):(\d{1,5})$/.exec(this.flags.listen);
    if (!m || Number(m[2]) > 65535) throw badInput('--listen', 'HOST:PORT', this.flags.listen);
    await cache.mustExist();
    const srv = createCacheServer(cache);
    const url = await srv.listen(m[1]!.replace(/^\[|\]$/g, ''), Number(m[2]));
    this.print({ apiVersion: API_VERSION, kind: 'CacheServer', store: cache.url, url });
    this.logger.info(`serving ${cache.url} at ${url}`);
    await new Promise<void>((resolve) => {
      const stop = () => void srv.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return undefined;
  }
}
