import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { ErrorCode, IwpError, cacheDir, writeFileAtomic } from '@iwp/core';

function goProxy(): string {
  const first = (process.env.GOPROXY ?? 'https://proxy.golang.org').split(/[,|]/).find((p) => p.startsWith('http'));
  return (first ?? 'https://proxy.golang.org').replace(/\/$/, '');
}

/** A module zip from the Go module proxy, cached under ~/.cache/iwp/knative. */
export async function moduleZip(module: string, version: string, fetcher: typeof fetch): Promise<Uint8Array> {
  const path = join(cacheDir('knative'), `${module.replaceAll('/', '_')}@${version}.zip`);
  try {
    return await readFile(path);
  } catch {
    const url = `${goProxy()}/${module}/@v/${version}.zip`;
    const res = await fetcher(url).catch((err: Error) => {
      throw new IwpError(ErrorCode.UNREACHABLE, `${url}: ${err.message}`);
    });
    if (res.status === 404 || res.status === 410) throw new IwpError(ErrorCode.NOT_FOUND, `${module} ${version} is not on ${goProxy()}`);
    if (!res.ok) throw new IwpError(ErrorCode.HTTP_ERROR, `${url}: HTTP ${res.status}`);
    const zip = new Uint8Array(await res.arrayBuffer());
    await mkdir(cacheDir('knative'), { recursive: true });
    await writeFileAtomic(path, zip);
    return zip;
  }
}

/** The files of a zip under a prefix (names relative to it) with one of the extensions. */
export function filesUnder(zip: Uint8Array, prefix: string, exts = ['.yaml']): Record<string, string> {
  const files = unzipSync(zip, { filter: (f) => f.name.startsWith(prefix) && exts.some((e) => f.name.endsWith(e)) });
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [k.slice(prefix.length), Buffer.from(v).toString('utf8')]));
}

/** The version of `module` that a go.mod requires. */
export function requireOf(goMod: string, module: string, owner = 'knative.dev/serving'): string {
  const m = new RegExp(`^\\s*${module.replaceAll('.', '\\.')}\\s+(\\S+)`, 'm').exec(goMod);
  if (!m) throw new IwpError(ErrorCode.FAILED, `${owner} go.mod does not require ${module}`);
  return m[1]!;
}
