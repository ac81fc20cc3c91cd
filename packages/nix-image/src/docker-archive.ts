import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import { EPOCH } from './tar.js';
import type { BuiltImage } from './oci.js';

/**
 * Writes the image as a `docker save` archive (`docker load`, `skopeo copy
 * docker-archive:`): `manifest.json` naming the config and the layers, the config as
 * `<hex>.json` and each layer blob as `<hex>.tar.gz`, reproducibly (fixed times, sorted
 * names), through a temp name.
 */
export async function writeDockerArchive(path: string, img: BuiltImage, repoTag: string): Promise<void> {
  const hex = (d: string) => d.slice('sha256:'.length);
  const manifest = [{ Config: `${hex(img.configDigest)}.json`, RepoTags: [repoTag], Layers: img.layers.map((l) => `${hex(l.digest)}.tar.gz`) }];
  const tmp = `${path}.${process.pid}.tmp`;
  const p = tarPack();
  const out = pipeline(p, createWriteStream(tmp));
  const entry = (name: string, size: number) => ({ name, size, mode: 0o644, mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' });
  const add = (name: string, body: Buffer) => new Promise<void>((resolve, reject) => p.entry(entry(name, body.length), body, (err) => (err ? reject(err) : resolve())));
  try {
    await add(`${hex(img.configDigest)}.json`, img.config);
    const seen = new Set<string>();
    for (const l of img.layers) {
      if (seen.has(l.digest)) continue;
      seen.add(l.digest);
      await new Promise<void>((resolve, reject) => {
        const sink = p.entry(entry(`${hex(l.digest)}.tar.gz`, l.size), (err) => (err ? reject(err) : resolve()));
        createReadStream(l.file).on('error', reject).pipe(sink);
      });
    }
    await add('manifest.json', Buffer.from(JSON.stringify(manifest)));
    p.finalize();
    await out;
    await rename(tmp, path);
  } catch (err) {
    p.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}
