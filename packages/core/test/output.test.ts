import t from 'tap';
import { Writable } from 'node:stream';
import { printResult, renderTable, renderText, wantsJson } from '../src/output.js';

function sink(isTTY: boolean) {
  let text = '';
  const s = new Writable({ write(chunk, _enc, cb) { text += chunk.toString(); cb(); } }) as Writable & { isTTY?: boolean };
  s.isTTY = isTTY;
  return { s, text: () => text };
}

const value = { apiVersion: 'iwp/v1', kind: 'Lock', stack: 'prod', id: 'abc', tags: ['a', 'b'], nested: { x: 1 } };

t.test('JSON when piped or --json, text on a TTY', async (t) => {
  t.equal(wantsJson(false, { isTTY: true }), false);
  t.equal(wantsJson(true, { isTTY: true }), true);
  t.equal(wantsJson(false, { isTTY: false }), true);
  const piped = sink(false);
  printResult(value, { stream: piped.s });
  t.same(JSON.parse(piped.text()), value, 'one JSON document');
  const tty = sink(true);
  printResult(value, { stream: tty.s });
  t.equal(tty.text(), 'kind: Lock\nstack: prod\nid: abc\ntags:\n  - a\n  - b\nnested:\n  x: 1\n');
  const forced = sink(true);
  printResult(value, { stream: forced.s, json: true });
  t.same(JSON.parse(forced.text()), value);
  const custom = sink(true);
  printResult(value, { stream: custom.s, text: () => 'custom' });
  t.equal(custom.text(), 'custom\n');
});

t.test('renderText and renderTable', async (t) => {
  t.equal(renderText([]), '(none)');
  t.equal(renderText({ a: null, b: [] }), 'a: -\nb: (none)');
  t.equal(renderTable([{ name: 'a', n: 1 }, { name: 'long-name', n: null }], ['name', 'n']), 'NAME       N\na          1\nlong-name  -');
});
