/** NAR bytes one nix copy of large paths is given at most (narstream.ts, compressLargeNars). */
export const CHUNK_BYTES = 256 << 20;

/**
 * Large paths, in the order given, cut into chunks of consecutive paths, one nix copy each:
 * as many chunks as `slots` (the copies that run at once, one a core), or more when that
 * would give a chunk more than `most` bytes of NAR. Laid end to end, the NARs are cut into
 * equal shares of bytes, and a path goes to the share that holds its middle.
 */
export function chunked<T extends { narSize: number }>(infos: readonly T[], slots: number, most = CHUNK_BYTES): T[][] {
  const total = infos.reduce((n, i) => n + i.narSize, 0);
  const share = total / Math.max(slots, Math.ceil(total / most));
  const chunks = new Map<number, T[]>();
  let before = 0;
  for (const info of infos) {
    const k = share > 0 ? Math.floor((before + info.narSize / 2) / share) : 0;
    const chunk = chunks.get(k);
    if (chunk) chunk.push(info);
    else chunks.set(k, [info]);
    before += info.narSize;
  }
  return [...chunks.values()];
}
