// A worker thread that writes store-path layers (see LayerCache): tarring, hashing and
// feeding the compressor of one layer run here, so layers are made on every core at once.
import { serveWorker } from '@iwp/core/workers';
import { storeEntries, writeLayer, type LayerBlob } from './tar.js';

export interface LayerTask {
  dest: string;
  paths: string[];
  compression: 'gzip' | 'zstd';
}

serveWorker<LayerTask, LayerBlob>((t) => writeLayer(t.dest, storeEntries(t.paths), t.compression));
