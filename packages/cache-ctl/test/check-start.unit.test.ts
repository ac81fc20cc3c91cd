import t from 'tap';
import { checkStart } from '../src/check-start.js';

const MiB = 1024 ** 2;
const nars = (n: number, size: number) => Array.from({ length: n }, (_, i) => ({ path: `/nix/store/${String(i).padStart(32, '0')}-p`, narSize: size }));

t.test('the check starts once the large NARs left to compress are fewer than the cores', async (t) => {
  const paths = nars(4, 54 * MiB);
  const s = checkStart(paths, 2);
  t.notOk(s.isStarted(), 'four to compress');
  s.compressed(paths[0]!.path);
  t.notOk(s.isStarted(), 'three left');
  s.compressed(paths[0]!.path);
  t.notOk(s.isStarted(), 'the same NAR told twice counts once');
  s.compressed(paths[1]!.path);
  t.notOk(s.isStarted(), 'two left: both cores still compress');
  s.compressed(paths[2]!.path);
  t.ok(s.isStarted(), 'one left: a core is free');
  await s.started;
});

t.test('or once the NARs compressed hold the backlog, in a long push', async (t) => {
  const paths = nars(20, 100 * MiB);
  const s = checkStart(paths, 2, 512 * MiB);
  for (const p of paths.slice(0, 5)) s.compressed(p.path);
  t.notOk(s.isStarted(), '500 MiB compressed, 15 NARs left');
  s.compressed(paths[5]!.path);
  t.ok(s.isStarted(), '600 MiB compressed');
});

t.test('at once when fewer large NARs than cores are to compress; small NARs do not count', async (t) => {
  t.ok(checkStart([...nars(1, 54 * MiB), ...nars(50, 1000)], 2).isStarted(), 'one large NAR and small ones');
  t.ok(checkStart(nars(50, 1000), 2).isStarted(), 'only small ones');
  const s = checkStart([...nars(3, 1000), ...nars(2, 54 * MiB).map((p) => ({ ...p, path: `${p.path}-big` }))], 2);
  t.notOk(s.isStarted());
  s.compressed(nars(1, 1000)[0]!.path);
  t.notOk(s.isStarted(), 'a small NAR compressed changes nothing');
});
