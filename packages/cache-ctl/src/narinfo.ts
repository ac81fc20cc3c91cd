import { badInput } from '@iwp/core';

export const STORE_DIR = '/nix/store';

/** The fields of a `.narinfo` file, as nix writes and reads them. */
export interface NarInfo {
  storePath: string;
  url: string;
  compression: string;
  fileHash?: string;
  fileSize?: number;
  narHash: string;
  narSize: number;
  /** full store paths */
  references: string[];
  deriver?: string;
  sigs: string[];
  ca?: string;
}

/** `/nix/store/<hash>-name` -> `<hash>` */
export function hashPart(storePath: string): string {
  const base = storePath.slice(STORE_DIR.length + 1);
  return base.slice(0, 32);
}

export function isStorePath(p: string): boolean {
  return /^\/nix\/store\/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+\-._?=]+$/.test(p);
}

/** What a signature covers: `1;<storePath>;<narHash>;<narSize>;<references, comma-separated>`. */
export function fingerprint(n: Pick<NarInfo, 'storePath' | 'narHash' | 'narSize' | 'references'>): string {
  return `1;${n.storePath};${n.narHash};${n.narSize};${[...n.references].sort().join(',')}`;
}

export function formatNarInfo(n: NarInfo): string {
  const lines = [
    `StorePath: ${n.storePath}`,
    `URL: ${n.url}`,
    `Compression: ${n.compression}`,
    ...(n.fileHash ? [`FileHash: ${n.fileHash}`] : []),
    ...(n.fileSize !== undefined ? [`FileSize: ${n.fileSize}`] : []),
    `NarHash: ${n.narHash}`,
    `NarSize: ${n.narSize}`,
    `References: ${n.references.map((r) => r.slice(STORE_DIR.length + 1)).sort().join(' ')}`,
    ...(n.deriver ? [`Deriver: ${n.deriver.slice(STORE_DIR.length + 1)}`] : []),
    ...n.sigs.map((s) => `Sig: ${s}`),
    ...(n.ca ? [`CA: ${n.ca}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export function parseNarInfo(text: string, where: string): NarInfo {
  const f = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(': ');
    if (i <= 0) continue;
    const k = line.slice(0, i);
    f.set(k, [...(f.get(k) ?? []), line.slice(i + 2)]);
  }
  const one = (k: string) => f.get(k)?.[0];
  const storePath = one('StorePath');
  const url = one('URL');
  const narHash = one('NarHash');
  const narSize = Number(one('NarSize'));
  if (!storePath || !isStorePath(storePath) || !url || !narHash || !Number.isInteger(narSize)) {
    throw badInput(where, 'a narinfo with StorePath, URL, NarHash and NarSize');
  }
  const refs = (one('References') ?? '').split(' ').filter(Boolean);
  const deriver = one('Deriver');
  const n: NarInfo = {
    storePath,
    url,
    compression: one('Compression') ?? 'bzip2',
    narHash,
    narSize,
    references: refs.map((r) => `${STORE_DIR}/${r}`),
    sigs: f.get('Sig') ?? [],
  };
  if (one('FileHash')) n.fileHash = one('FileHash')!;
  if (one('FileSize')) n.fileSize = Number(one('FileSize'));
  if (deriver && deriver !== 'unknown-deriver') n.deriver = `${STORE_DIR}/${deriver}`;
  if (one('CA')) n.ca = one('CA')!;
  return n;
}
