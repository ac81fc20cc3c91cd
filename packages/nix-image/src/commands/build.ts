import { Args, Flags } from '@oclif/core';
import { badInput, runProcess } from '@iwp/core';
import { BaseCommand } from '@iwp/core/cli';
import { buildForSystems } from '../multi.js';
import { publish } from '../publish.js';
import { parseCreds, registryFlags } from '../cli/flags.js';
import { findCredentials } from '../registry/auth.js';
import { RegistryClient } from '../registry/client.js';
import { parseRef } from '../registry/ref.js';

export default class Build extends BaseCommand<typeof Build> {
  static override description = 'build an OCI image from a Nix image description (nix/lib/image.nix mkImage), optionally push it';
  static override examples = [
    '<%= config.bin %> build nix/images/helloworld --push 127.0.0.1:5000/helloworld:latest',
    '<%= config.bin %> build ./image.nix -A web --out oci-dir:./web.oci --max-layers 50',
  ];
  static override args = { image: Args.string({ required: true, description: 'a .nix file or a directory with default.nix' }) };
  static override flags = {
    attr: Flags.string({ char: 'A', description: 'attribute of the file to build' }),
    tag: Flags.string({ description: 'tag [default: the description\'s tag]' }),
    'max-layers': Flags.integer({ description: 'at most this many layers (2..127)', default: 100 }),
    out: Flags.string({ description: 'write the image as oci-dir:PATH or docker-archive:PATH [default: oci-dir:~/.cache/iwp/nix-image/oci/NAME]', helpValue: 'oci-dir:PATH' }),
    format: Flags.option({ options: ['oci', 'docker'] as const, default: 'oci' as const, description: 'manifest media types: OCI, or Docker image manifest v2 schema 2' })(),
    compression: Flags.option({ options: ['gzip', 'zstd'] as const, default: 'gzip' as const, description: 'layer compression (zstd needs --format oci)' })(),
    push: Flags.string({ description: 'push to HOST[:PORT]/REPOSITORY[:TAG]', helpValue: 'REF' }),
    system: Flags.string({ description: 'build for this Nix system (repeatable); with any, an OCI image index is pushed. Systems without a builder are skipped with a warning', multiple: true }),
    lock: Flags.string({ description: 'layer-plan lockfile: layers follow it when it exists, and it is (re)written', helpValue: 'FILE' }),
    ...registryFlags,
  };

  protected async execute() {
    const f = this.flags;
    if (f.out && !/^(oci-dir|docker-archive):./.test(f.out)) throw badInput('--out', 'oci-dir:PATH or docker-archive:PATH', f.out);
    const ref = f.push ? parseRef(f.push, '--push') : undefined;
    const creds = parseCreds(f.creds);
    const { builds, skipped } = await buildForSystems(
      runProcess,
      {
        run: runProcess, target: this.args.image, attr: f.attr, maxLayers: f['max-layers'], format: f.format, compression: f.compression, lock: f.lock,
        onLayer: (i, n, cached) => this.logger.info(`layer ${i}/${n}${cached ? ' (cached)' : ''}`),
      },
      f.system ?? [],
      (m) => this.logger.warn(m),
    );
    const client = ref && new RegistryClient(ref.registry, { credentials: await findCredentials(ref.registry, creds), plainHttp: f['plain-http'] });
    const tag = f.tag ?? ref?.tag ?? builds[0]!.built.spec.tag;
    const doc = await publish(builds, { ...(f.out ? { out: f.out } : {}), tag, ...(ref ? { ref, client } : {}), jobs: f.jobs, skipped, asIndex: (f.system ?? []).length > 0 });
    if (doc.push) this.logger.info(`pushed ${doc.ref}: ${doc.push.uploaded} uploaded, ${doc.push.mounted} mounted, ${doc.push.skipped} present`);
    return doc;
  }
}
