import { Args, Flags } from '@oclif/core';
import { badInput } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { imageDocument } from '../document.js';
import { parseCreds, registryFlags } from '../cli/flags.js';
import { readOciDir } from '../oci.js';
import { pushImage } from '../push.js';
import { findCredentials } from '../registry/auth.js';
import { RegistryClient } from '../registry/client.js';
import { formatRef, parseRef } from '../registry/ref.js';

export default class Push extends BaseCommand<typeof Push> {
  static override description = 'push an OCI layout directory to a registry (blobs already there are skipped)';
  static override examples = ['<%= config.bin %> push oci-dir:./web.oci 127.0.0.1:5000/web:1.0'];
  static override args = {
    source: Args.string({ required: true, description: 'oci-dir:PATH' }),
    ref: Args.string({ required: true, description: 'HOST[:PORT]/REPOSITORY[:TAG]' }),
  };
  static override flags = { ...registryFlags, tag: Flags.string({ description: 'tag, when REF has none [default: latest]' }) };

  protected async execute() {
    if (!this.args.source.startsWith('oci-dir:')) throw badInput('SOURCE', 'oci-dir:PATH', this.args.source);
    const ref = parseRef(this.args.ref, 'REF');
    const dir = this.args.source.slice('oci-dir:'.length);
    const img = await readOciDir(dir).catch((err: Error) => {
      throw badInput('SOURCE', 'an OCI image layout directory', `${dir} (${err.message})`);
    });
    const target = { ...ref, tag: ref.tag ?? this.flags.tag ?? 'latest' };
    const client = new RegistryClient(ref.registry, { credentials: await findCredentials(ref.registry, parseCreds(this.flags.creds)), plainHttp: this.flags['plain-http'] });
    const push = await pushImage(client, target, img, { concurrency: this.flags.jobs });
    return imageDocument(formatRef(target), img, { repository: `${ref.registry}/${ref.repository}`, tag: target.tag, push });
  }
}
