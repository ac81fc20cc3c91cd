import { Args, Flags } from '@oclif/core';
import { BaseCommand, badInput, cacheDir, runProcess } from '@iwp/core';
import { buildImage } from '../build.js';
import { imageDocument } from '../document.js';
import { parseCreds, registryFlags } from '../flags.js';
import { writeDockerArchive } from '../docker-archive.js';
import { MEDIA, writeOciDir, writeOciIndex } from '../oci.js';
import { buildableSystems, imageIndex, platformOf, type Platform } from '../systems.js';
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
    system: Flags.string({ description: 'build for this Nix system (repeatable); with any, an OCI image index is pushed. Systems without a builder are skipped with a warning', multiple: true }),
    lock: Flags.string({ description: 'layer-plan lockfile: layers follow it when it exists, and it is (re)written', helpValue: 'FILE' }),
    ...registryFlags,
  };

  protected async execute() {
    const f = this.flags;
    if (f.out && !/^(oci-dir|docker-archive):./.test(f.out)) throw badInput('--out', 'oci-dir:PATH or docker-archive:PATH', f.out);
    const ref = f.push ? parseRef(f.push, '--push') : undefined;
    const creds = parseCreds(f.creds);
    const common = { run: runProcess, target: this.args.image, attr: f.attr, maxLayers: f['max-layers'], format: f.format, compression: f.compression, lock: f.lock };
    const onLayer = (i: number, n: number, cached: boolean) => this.logger.info(`layer ${i}/${n}${cached ? ' (cached)' : ''}`);
    const systems = f.system ?? [];
    const builds: Array<{ built: Awaited<ReturnType<typeof buildImage>>; platform?: Platform }> = [];
    const skippedSystems: string[] = [];
    if (systems.length === 0) builds.push({ built: await buildImage({ ...common, onLayer }) });
    else {
      systems.forEach(platformOf);
      const { systems: can } = await buildableSystems(runProcess);
      for (const s of systems) {
        if (can !== 'any' && !can.has(s)) {
          skippedSystems.push(s);
          this.logger.warn(`no builder for ${s} (this nix builds ${[...can].join(', ')}): skipped`);
          continue;
        }
        builds.push({ built: await buildImage({ ...common, system: s, onLayer }), platform: platformOf(s) });
      }
      if (builds.length === 0) throw badInput('--system', `a system this nix can build for (${can === 'any' ? 'any' : [...can].join(', ')})`, systems.join(' '));
    }
    const built = builds[0]!.built;
    const index = systems.length ? imageIndex(builds.map((b) => ({ image: b.built.image, platform: b.platform! }))) : undefined;
    const tag = f.tag ?? ref?.tag ?? built.spec.tag;
    const extra = {
      tag, storePaths: built.storePaths, config: built.spec.config,
      ...(index ? { index: { digest: index.digest, platforms: builds.map((b) => ({ ...b.platform!, digest: b.built.image.manifestDigest })) } } : {}),
      ...(skippedSystems.length ? { skippedSystems } : {}),
    };
    let out: string;
    if (f.out?.startsWith('docker-archive:')) {
      if (index) throw badInput('--out', 'oci-dir:PATH with --system (a docker archive holds one platform)', f.out);
      out = f.out;
      await writeDockerArchive(f.out.slice('docker-archive:'.length), built.image, `${ref ? `${ref.registry}/${ref.repository}` : built.spec.name}:${tag}`);
    } else {
      const dir = f.out ? f.out.slice('oci-dir:'.length) : cacheDir('nix-image', 'oci', built.spec.name);
      for (const b of builds) await writeOciDir(dir, b.built.image, tag);
      if (index) await writeOciIndex(dir, builds.map((b) => ({ image: b.built.image, platform: b.platform! })), tag);
      out = `oci-dir:${dir}`;
    }
    if (!ref) return imageDocument(out, built.image, extra);
    const target = { ...ref, tag };
    const client = new RegistryClient(ref.registry, { credentials: await findCredentials(ref.registry, creds), plainHttp: f['plain-http'] });
    if (!index) {
      const push = await pushImage(client, target, built.image, { concurrency: f.jobs });
      this.logger.info(`pushed ${formatRef(target)}: ${push.uploaded} uploaded, ${push.mounted} mounted, ${push.skipped} present`);
      return imageDocument(formatRef(target), built.image, { ...extra, repository: `${ref.registry}/${ref.repository}`, push });
    }
    // each platform's manifest by digest, then the index under the tag
    const reports = [];
    for (const b of builds) reports.push(await pushImage(client, { ...ref, tag: b.built.image.manifestDigest }, b.built.image, { concurrency: f.jobs }));
    await client.putManifest(ref.repository, tag, index.body, MEDIA.index);
    const push = reports.reduce((a, r) => ({ ...a, uploaded: a.uploaded + r.uploaded, skipped: a.skipped + r.skipped, mounted: a.mounted + r.mounted, bytesUploaded: a.bytesUploaded + r.bytesUploaded, requests: a.requests + r.requests + 1 }));
    const d = imageDocument(formatRef(target), built.image, { ...extra, repository: `${ref.registry}/${ref.repository}`, push: { ...push, manifestPushed: true } });
    return { ...d, digest: index.digest, mediaType: MEDIA.index, platforms: extra.index!.platforms, ...(skippedSystems.length ? { skippedSystems } : {}) };
  }
}
