import { deferred } from './deferred.js';
import { COMPRESSION_SLOTS, SMALL_NAR } from './narstream.js';

/** NAR bytes a push into S3 compresses, at most, before its check starts (checkStart). */
export const CHECK_BACKLOG = 512 * 1024 ** 2;

/**
 * When a push into S3 starts checking its paths' contents (local-verify.ts): once the large
 * NARs left to compress are fewer than the cores (`slots`), so that the check takes a core
 * the compressions leave free while the last NARs upload, instead of one they need; or once
 * the large NARs compressed hold `backlog` bytes, so that a long push does not hold every
 * narinfo back until its end (a narinfo waits for its path's check: a long push interrupted
 * before its check started would have published nothing). `compressed(path)` is told of
 * each NAR as it is compressed; `started` is fulfilled when the check is to start.
 */
export function checkStart(paths: ReadonlyArray<{ path: string; narSize: number }>, slots = COMPRESSION_SLOTS, backlog = CHECK_BACKLOG) {
  const left = new Map(paths.filter((p) => p.narSize > SMALL_NAR).map((p) => [p.path, p.narSize]));
  let bytes = 0;
  let now = false;
  const start = deferred<void>();
  const compressed = (path?: string) => {
    const size = path === undefined ? undefined : left.get(path);
    if (size !== undefined) {
      left.delete(path!);
      bytes += size;
    }
    if (!now && (left.size < slots || bytes >= backlog)) {
      now = true;
      start.resolve();
    }
  };
  compressed();
  return { compressed, started: start.promise, isStarted: () => now };
}
