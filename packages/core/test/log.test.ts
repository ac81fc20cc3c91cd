import t from 'tap';
import { Writable } from 'node:stream';
import { Logger } from '../src/log.js';
import { runSteps } from '../src/progress.js';

function sink() {
  const lines: string[] = [];
  const s = new Writable({ write(chunk, _enc, cb) { lines.push(...chunk.toString().split('\n').filter(Boolean)); cb(); } });
  return { s, lines };
}
const now = () => new Date('2026-01-01T00:00:00Z');

t.test('text logs for people, redacted', async (t) => {
  const out = sink();
  const log = new Logger({ stream: out.s, now });
  log.info('pushing', { repo: 'r', n: 2 });
  log.warn('retrying https://u:pw@host/x');
  log.debug('hidden');
  t.same(out.lines, ['pushing repo=r n=2', 'warn: retrying https://***:***@host/x']);
});

t.test('NDJSON events with --log-format json', async (t) => {
  const out = sink();
  const log = new Logger({ stream: out.s, format: 'json', tool: 'nix-image', now });
  log.info('hello', { a: 1 });
  log.event('layer.pushed', { digest: 'sha256:x' });
  t.same(out.lines.map((l) => JSON.parse(l)), [
    { time: '2026-01-01T00:00:00.000Z', level: 'info', tool: 'nix-image', msg: 'hello', a: 1 },
    { time: '2026-01-01T00:00:00.000Z', level: 'info', event: 'layer.pushed', tool: 'nix-image', digest: 'sha256:x' },
  ]);
});

t.test('--quiet keeps only errors', async (t) => {
  const out = sink();
  const log = new Logger({ stream: out.s, quiet: true });
  log.info('a');
  log.event('b');
  log.error('c');
  t.same(out.lines, ['error: c']);
});

t.test('runSteps degrades to plain lines and stops at the first failure', async (t) => {
  const out = sink();
  const log = new Logger({ stream: out.s, format: 'json', now });
  const seen: string[] = [];
  await t.rejects(
    runSteps(
      [
        { title: 'one', run: (c: { n: number }, report) => { c.n++; seen.push('one'); report('half way'); } },
        { title: 'skip me', skip: () => 'not needed', run: () => { seen.push('skipped ran'); } },
        { title: 'two', run: () => { throw new Error('broken'); } },
        { title: 'three', run: () => { seen.push('three'); } },
      ],
      { n: 0 },
      log,
    ),
    { message: 'broken' },
  );
  t.same(seen, ['one']);
  const events = out.lines.map((l) => JSON.parse(l)).map((e) => `${e.event}:${e.step}`);
  t.same(events, ['step.started:one', 'step.output:one', 'step.done:one', 'step.skipped:skip me', 'step.started:two', 'step.failed:two']);
});
