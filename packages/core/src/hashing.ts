import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';

export { filterToFile, type FilteredFile } from './filter-file.js';

/** A pass-through stream that hashes (sha256) and counts what flows through it. */
export class HashCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  digest(): Buffer {
    return this.hash.digest();
  }
}
