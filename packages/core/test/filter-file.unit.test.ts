import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Readable } from 'node:stream';
import { filterToFile } from '../src/filter-file.js';
import { hashedFile } from '../src/pipes.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('hashedFile: source | filter > file, hashed in a worker thread; the file is what the filter writes alone', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-pipes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // larger than a pipe's buffer many times over, part compressible
  const data = Buffer.concat([randomBytes(3 << 20), Buffer.alloc(5 << 20, 'nar')]);
  await writeFile(join(dir, 'in'), data);
  const filter = ['zstd', '-q', '-c', '-3', '--single-thread', '--no-check'];
  const [a, b] = await Promise.all([
    hashedFile({ source: ['cat', join(dir, 'in')], filter, sink: join(dir, 'a') }),
    hashedFile({ source: ['cat', join(dir, 'in')], filter, sink: join(dir, 'b') }),
  ]);
  const out = await readFile(join(dir, 'a'));
  t.same(a, { sha256: sha(out), size: out.length });
  t.not(a.sha256, sha(data), 'the file is the compressed bytes');
  t.same(b, a, 'two at once in two threads agree');
  const direct = execFileSync(filter[0]!, filter.slice(1), { input: data, maxBuffer: 1 << 26 });
  t.ok(out.equals(direct), 'the same bytes as the filter run alone');

  const plain = await hashedFile({ source: ['cat', join(dir, 'in')], sink: join(dir, 'plain') });
  t.same(plain, { sha256: sha(data), size: data.length }, 'without a filter the file is the source');
  t.ok((await readFile(join(dir, 'plain'))).equals(data));
});

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

t.test('hashedFile: failures name the command; an existing file is not overwritten', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-pipes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await t.rejects(hashedFile({ source: ['cat', '/nonexistent/iwp-pipes'], filter: ['zstd', '-q', '-c'], sink: join(dir, 'x') }), /cat failed \(exit 1\)/);
  await t.rejects(hashedFile({ source: ['head', '-c', '1000000', '/dev/zero'], filter: ['false'], sink: join(dir, 'y') }), /false failed \(exit 1\)/);
  await writeFile(join(dir, 'z'), 'keep');
  await t.rejects(hashedFile({ source: ['printf', 'x'], sink: join(dir, 'z') }), { code: 'EEXIST' });
  t.equal(await readFile(join(dir, 'z'), 'utf8'), 'keep');
});

t.test('hashedFile: a source that writes a little and exits at once loses nothing (many at a time)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-pipes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const all = await Promise.all(Array.from({ length: 40 }, (_, i) => hashedFile({ source: ['printf', `nar ${i}`], filter: ['gzip', '-n', '-c'], sink: join(dir, `s${i}`) })));
  const files = await Promise.all(all.map((_, i) => readFile(join(dir, `s${i}`))));
  t.same(files.map((f) => execFileSync('gzip', ['-dc'], { input: f }).toString()), all.map((_, i) => `nar ${i}`), 'every source whole in its file');
  t.same(all.map((h) => h.sha256), files.map(sha), 'and every file hashed whole');
});
