import t from 'tap';
import { chunked, CHUNK_BYTES } from '../src/chunks.js';

const MiB = 1024 ** 2;
const nars = (...sizes: number[]) => sizes.map((s, i) => ({ name: `p${i}`, narSize: s * MiB }));
const names = (chunks: Array<Array<{ name: string }>>) => chunks.map((c) => c.map((i) => i.name));

t.test('as many chunks as slots, of consecutive paths, near an equal share', async (t) => {
  t.same(names(chunked(nars(54, 54, 54, 54), 2)), [['p0', 'p1'], ['p2', 'p3']], "the bench's four parts: two copies of two");
  t.same(names(chunked(nars(54, 54.1, 53.9, 54), 2)), [['p0', 'p1'], ['p2', 'p3']], 'sizes a little apart cut at the same place');
  t.same(names(chunked(nars(30, 30, 30, 30, 30, 30), 2)), [['p0', 'p1', 'p2'], ['p3', 'p4', 'p5']]);
  t.same(names(chunked(nars(10, 200), 2)), [['p0'], ['p1']], 'a small path does not take a large one into its chunk');
  t.same(names(chunked(nars(200, 10), 2)), [['p0'], ['p1']]);
  t.same(names(chunked(nars(5, 5, 5, 5, 100), 2)), [['p0', 'p1', 'p2', 'p3'], ['p4']], 'the share is of bytes, not of paths');
  t.same(names(chunked(nars(54, 54, 54, 54), 1)), [['p0', 'p1', 'p2', 'p3']], 'one slot: one copy');
  t.same(names(chunked(nars(54), 2)), [['p0']], 'fewer paths than slots: a copy each');
  t.same(chunked([], 2), [], 'nothing to compress: no copy');
});

t.test('more chunks when a share would pass CHUNK_BYTES', async (t) => {
  const chunks = chunked(nars(...Array<number>(10).fill(100)), 2);
  t.equal(CHUNK_BYTES, 256 * MiB);
  t.same(names(chunks), [['p0', 'p1'], ['p2', 'p3', 'p4'], ['p5', 'p6'], ['p7', 'p8', 'p9']], '1000 MiB: four shares of 250 MiB, each path in the one holding its middle');
  t.same(names(chunked(nars(10, 1000, 10), 2)), [['p0'], ['p1'], ['p2']], 'a share holding no middle gives no chunk');
  t.same(names(chunked(nars(1000), 2)), [['p0']], 'a path larger than CHUNK_BYTES is a chunk of its own');
  t.same(chunked(nars(1, 2, 3, 4, 5, 6, 7), 3).flat(), nars(1, 2, 3, 4, 5, 6, 7), 'every path once, in the order given');
});
