import t from 'tap';
import { chainOf, entriesOf } from '../src/chain.js';
import { entryKey, historyKey, parseHistoryKey, versionOfHistoryKey } from '../src/keys.js';

const at = (key: string) => ({ key, size: 1, modified: '2026-01-01T00:00:00.000Z' });

t.test('history keys: written before staging, and staged entries naming their write and its base', async (t) => {
  t.equal(historyKey('web', 42), 'web/history/000000000042.json');
  t.equal(entryKey('web', 42, 'w42', 'w41'), 'web/history/000000000042.w42.w41.json');
  t.equal(entryKey('web', 1, 'w1', null), 'web/history/000000000001.w1.0.json', 'no base write id: 0');
  t.equal(entryKey('web', 2, 'w2', 'not/an id'), 'web/history/000000000002.w2.0.json', 'a base id that cannot be in a key: 0');
  t.throws(() => entryKey('web', 1, 'a.b', null), /write id/, 'a write id must fit in a key');
  t.same(parseHistoryKey('web/history/000000000042.json'), { version: 42 });
  t.same(parseHistoryKey('web/history/000000000042.w42.w41.json'), { version: 42, writeId: 'w42', baseId: 'w41' });
  t.equal(parseHistoryKey('web/history/42.json'), undefined);
  t.equal(parseHistoryKey('web/state.json'), undefined);
  t.equal(versionOfHistoryKey('web/history/000000000007.a.b.json'), 7);
});

t.test('the versions are the chain from the entry state.json names; entries that never committed are not', async (t) => {
  const entries = entriesOf([
    at(historyKey('web', 1)),
    at(historyKey('web', 2)),
    // version 3, the first staged entry, on top of version 2 written before staging (w2)
    at(entryKey('web', 3, 'a3', 'w2')),
    // a push that lost version 3 and was killed before it deleted its entry
    at(entryKey('web', 3, 'x3', 'w2')),
    at(entryKey('web', 4, 'a4', 'a3')),
    // a push killed before its commit, based on the orphan: never a version
    at(entryKey('web', 4, 'y4', 'x3')),
    at(entryKey('web', 5, 'a5', 'a4')),
    // staged, not committed yet (or never): above the version state.json names
    at(entryKey('web', 6, 'a6', 'a5')),
    at('web/history/notes.txt'),
  ]);
  t.equal(entries.length, 8, 'keys that are not entries are left out');
  const chain = (head: string) => chainOf(entries, head).map((e) => e.key.slice('web/history/'.length));
  t.same(chain(entryKey('web', 5, 'a5', 'a4')), ['000000000001.json', '000000000002.json', '000000000003.a3.w2.json', '000000000004.a4.a3.json', '000000000005.a5.a4.json']);
  t.same(chain(entryKey('web', 3, 'x3', 'w2')), ['000000000001.json', '000000000002.json', '000000000003.x3.w2.json'], 'from another head, its own chain');
  t.same(chain(historyKey('web', 2)), ['000000000001.json', '000000000002.json'], 'a head written before staging');
  t.same(chain(entryKey('web', 9, 'gone', 'a8')), [], 'a head that is missing: no chain');
});

t.test('an entry written before staging on top of a staged one (an older remote-state pushing after a newer one)', async (t) => {
  const entries = entriesOf([at(historyKey('web', 1)), at(entryKey('web', 2, 'a2', 'w1')), at(historyKey('web', 3)), at(entryKey('web', 4, 'a4', 'w3'))]);
  t.same(chainOf(entries, entryKey('web', 4, 'a4', 'w3')).map((e) => e.version), [1, 2, 3, 4]);
  const ambiguous = entriesOf([at(historyKey('web', 1)), at(entryKey('web', 2, 'a2', 'w1')), at(entryKey('web', 2, 'b2', 'w1')), at(historyKey('web', 3))]);
  t.same(chainOf(ambiguous, historyKey('web', 3)).map((e) => e.version), [3], 'two staged candidates below it: the chain stops rather than guess');
});
