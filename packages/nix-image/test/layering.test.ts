import t from 'tap';
import { popularityLayers } from '../src/layering.js';
import { canonical } from '../src/oci.js';

const p = (n: string) => `/nix/store/${n.padEnd(32, '0')}-${n}`;

t.test('popularity: shared dependencies first, tail merged', async (t) => {
  const infos = [
    { path: p('app'), narSize: 1, references: [p('node'), p('libc')] },
    { path: p('node'), narSize: 1, references: [p('libc')] },
    { path: p('libc'), narSize: 1, references: [] },
    { path: p('tool'), narSize: 1, references: [p('libc')] },
  ];
  t.same(popularityLayers(infos, 10), [[p('libc')], [p('node')], [p('app')], [p('tool')]]);
  t.same(popularityLayers(infos, 2), [[p('libc')], [p('app'), p('node'), p('tool')].sort()]);
  t.same(popularityLayers([...infos].reverse(), 10), popularityLayers(infos, 10), 'input order does not matter');
});

t.test('canonical JSON: sorted keys, no whitespace', async (t) => {
  t.equal(canonical({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } }).toString(), '{"a":{"c":3,"d":[2,{"y":2,"z":1}]},"b":1}');
});
