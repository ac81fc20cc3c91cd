import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { badInput } from '../errors.js';
import { makeS3Client, parseS3Url } from '../aws.js';
import { FileStore } from './file.js';
import { S3Store } from './s3.js';
import type { ObjectStore } from './types.js';

/** `s3://bucket[/prefix][?region=&endpoint=]` or `file:///dir`; `field` names the flag. */
export function openStore(url: string, field = '--store'): ObjectStore {
  if (url.startsWith('s3://')) {
    const loc = parseS3Url(url, field);
    return new S3Store(() => makeS3Client(loc), loc);
  }
  if (url.startsWith('file://')) {
    let dir: string;
    try {
      dir = fileURLToPath(url);
    } catch {
      throw badInput(field, 'file:///absolute/dir', url);
    }
    return new FileStore(resolve(dir));
  }
  throw badInput(field, 'a store URL: s3://bucket[/prefix] or file:///dir', url);
}
