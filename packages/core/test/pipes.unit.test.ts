import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { hashedFile, hashedPipe } from '../src/pipes.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

t.test('source -> filter -> sink: the hashes are those of the source bytes and of the file written', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-pipes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // larger than a pipe's buffer many times over, part compressible
  const data = Buffer.concat([randomBytes(3 << 20), Buffer.alloc(3 << 20, 'a')]);
  await writeFile(join(dir, 'in'), data);
  const sink = join(dir, 'out.zst');
  const h = await hashedPipe({ source: ['cat', join(dir, 'in')], filter: ['zstd', '-q', '-c', '-3', '--single-thread'], sink }).done;
  const out = await readFile(sink);
  t.equal(h.input, sha(data));
  t.equal(h.output, sha(out));
  t.not(h.output, h.input, 'the output is the compressed bytes');
});

t.test('stdin -> stdout without a filter: output hash is the input hash, bytes pass unchanged', async (t) => {
  const data = randomBytes(1 << 20);
  const p = hashedPipe({});
  p.stdin!.end(data);
  const [h, out] = await Promise.all([p.done, buffer(p.stdout!)]);
  t.ok(out.equals(data));
  t.same(h, { input: sha(data), output: sha(data) });
});

t.test('stdin -> filter -> sink (as nix-image writes a layer)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-pipes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const data = Buffer.alloc(2 << 20, 'layer');
  const sink = join(dir, 'blob');
  const p = hashedPipe({ filter: ['zstd', '-q', '-c', '-3', '--single-thread'], sink });
  p.stdin!.end(data);
  const h = await p.done;
  t.equal(p.stdout, null);
  t.same(h, { input: sha(data), output: sha(await readFile(sink)) });
});

t.test('a failing stage fails the whole, naming the command', async (t) => {
  await t.rejects(hashedPipe({ source: ['cat', '/nonexistent/iwp-pipes'], filter: ['zstd', '-q', '-c'] }).done, /cat pipeline failed \(exit 1\)/);
  const p = hashedPipe({ source: ['printf', 'x'], filter: ['false'] });
  p.stdout!.resume();
  await t.rejects(p.done, /pipeline failed/);
});

t.test('hashedFile: source -> sha256 -> filter -> file -> sha256 in a worker thread, the same digests as hashedPipe', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'iwp-pipes-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const data = Buffer.concat([randomBytes(3 << 20), Buffer.alloc(5 << 20, 'nar')]);
  await writeFile(join(dir, 'in'), data);
  const filter = ['zstd', '-q', '-c', '-3', '--single-thread', '--no-check'];
  const [a, b] = await Promise.all([
    hashedFile({ source: ['cat', join(dir, 'in')], filter, sink: join(dir, 'a') }),
    hashedPipe({ source: ['cat', join(dir, 'in')], filter, sink: join(dir, 'b') }).done,
  ]);
  const out = await readFile(join(dir, 'a'));
  t.same(a, { input: sha(data), output: sha(out), size: out.length });
  t.same(b, { input: a.input, output: a.output }, 'hashedPipe agrees');
  t.ok(out.equals(await readFile(join(dir, 'b'))));

  const plain = await hashedFile({ source: ['cat', join(dir, 'in')], sink: join(dir, 'plain') });
  t.same(plain, { input: sha(data), output: sha(data), size: data.length }, 'without a filter the file is the source');
  t.ok((await readFile(join(dir, 'plain'))).equals(data));
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
