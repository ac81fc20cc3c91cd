// A worker thread that makes compressed NARs (narstream.ts, compressInWorkers): the NAR of a
// store path is written, hashed and compressed with zstd here, one path at a time, so the
// NARs of a push are made on every core at once while the main thread uploads.
import { serveWorker } from '@iwp/core/workers';
import { narToZstd, type NarZstd } from './nar-zstd.js';

export interface NarTask {
  path: string;
  dest: string;
}

serveWorker<NarTask, NarZstd>(async (t, ctx) => narToZstd(t.path, t.dest, undefined, ctx.stopped));
