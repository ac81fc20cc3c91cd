import { Args, Flags } from '@oclif/core';
import { BaseCommand, badInput, cacheDir, runProcess } from '@iwp/core';
import { buildImage } from '../build.js';
import { imageDocument } from '../document.js';
import { parseCreds, registryFlags } from '../flags.js';
import { writeDockerArchive } from '../docker-archive.js';
import { writeOciDir } from '../oci.js';
import { pushImage } from '../push.js';
import { findCredentials } from '../registry/auth.js';
import { RegistryClient } from '../registry/client.js';
import { formatRef, parseRef } from '../registry/ref.js';

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
    lock: Flags.string({ description: 'layer-plan lockfile: layers follow it when it exists, and it is (re)written', helpValue: 'FILE' }),
    ...registryFlags,
  };

  protected async execute() {
    const f = this.flags;
    if (f.out && !/^(oci-dir|docker-archive):./.test(f.out)) throw badInput('--out', 'oci-dir:PATH or docker-archive:PATH', f.out);
    const ref = f.push ? parseRef(f.push, '--push') : undefined;
    const creds = parseCreds(f.creds);
    const built = await buildImage({
      run: runProcess, target: this.args.image, attr: f.attr, maxLayers: f['max-layers'], format: f.format, compression: f.compression, lock: f.lock,
      onLayer: (i, n, cached) => this.logger.info(`layer ${i}/${n}${cached ? ' (cached)' : ''}`),
    });
    const tag = f.tag ?? ref?.tag ?? built.spec.tag;
    const extra = { tag, storePaths: built.storePaths, config: built.spec.config };
    let out: string;
    if (f.out?.startsWith('docker-archive:')) {
      out = f.out;
      await writeDockerArchive(f.out.slice('docker-archive:'.length), built.image, `${ref ? `${ref.registry}/${ref.repository}` : built.spec.name}:${tag}`);
    } else {
      const dir = f.out ? f.out.slice('oci-dir:'.length) : cacheDir('nix-image', 'oci', built.spec.name);
      await writeOciDir(dir, built.image, tag);
      out = `oci-dir:${dir}`;
    }
    if (!ref) return imageDocument(out, built.image, extra);
    const target = { ...ref, tag };
    const client = new RegistryClient(ref.registry, { credentials: await findCredentials(ref.registry, creds), plainHttp: f['plain-http'] });
    const push = await pushImage(client, target, built.image, { concurrency: f.jobs });
    this.logger.info(`pushed ${formatRef(target)}: ${push.uploaded} uploaded, ${push.mounted} mounted, ${push.skipped} present`);
    return imageDocument(formatRef(target), built.image, { ...extra, repository: `${ref.registry}/${ref.repository}`, push });
  }
}
