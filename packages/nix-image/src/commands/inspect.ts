import { Args } from '@oclif/core';
import { BaseCommand } from '@iwp/core/cli';
import { parseCreds, registryFlags } from '../cli/flags.js';
import { inspectOciDir, inspectRegistry } from '../inspect.js';
import { findCredentials } from '../registry/auth.js';
import { RegistryClient } from '../registry/client.js';
import { parseRef } from '../registry/ref.js';

export default class Inspect extends BaseCommand<typeof Inspect> {
  static override description = 'describe an image in a registry or an OCI layout as an Image document (platforms, layers, config)';
  static override examples = ['<%= config.bin %> inspect 127.0.0.1:5000/helloworld:latest', '<%= config.bin %> inspect oci-dir:./web.oci'];
  static override args = { ref: Args.string({ required: true, description: 'HOST[:PORT]/REPOSITORY[:TAG|@DIGEST] or oci-dir:PATH' }) };
  static override flags = { creds: registryFlags.creds, 'plain-http': registryFlags['plain-http'] };

  protected async execute() {
    if (this.args.ref.startsWith('oci-dir:')) return inspectOciDir(this.args.ref.slice('oci-dir:'.length));
    const ref = parseRef(this.args.ref, 'REF');
    const client = new RegistryClient(ref.registry, { credentials: await findCredentials(ref.registry, parseCreds(this.flags.creds)), plainHttp: this.flags['plain-http'] });
    return inspectRegistry(client, ref);
  }
}
