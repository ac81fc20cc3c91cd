import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { filterToFile } from '../src/filter-file.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('filterToFile: a stream in, the file hashed as the filter writes it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-pipes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const data = Buffer.concat([randomBytes(4 << 20), Buffer.alloc(4 << 20, 'layer')]);
  const h = await filterToFile(Readable.from([data.subarray(0, 1 << 20), data.subarray(1 << 20)]), ['zstd', '-q', '-3', '--single-thread', '-c'], join(dir, 'blob'));
  const out = await readFile(join(dir, 'blob'));
  t.same(h, { input: sha(data), output: sha(out), size: out.length });
  await t.rejects(filterToFile(Readable.from([data]), ['false'], join(dir, 'f')), /false failed \(exit 1\)/);
  await t.rejects(filterToFile(Readable.from([data]), ['cat'], join(dir, 'blob')), { code: 'EEXIST' });
});
