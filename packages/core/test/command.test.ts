import t from 'tap';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

// Runs the fixture program (test/fixture) as a real process, as users run the tools.
const run = fileURLToPath(new URL('./fixture/run.ts', import.meta.url));
const cli = (args: string[], input?: string) =>
  execa('node', ['--import', 'tsx', run, ...args], { input, stdin: input === undefined ? 'ignore' : 'pipe', reject: false });
const cluster = JSON.stringify({ apiVersion: 'iwp/v1', kind: 'Cluster', name: 'dev', provider: 'local', kubeconfig: '/k' });

t.test('a piped document in, a JSON document out, logs on stderr', async (t) => {
  const r = await cli(['echo', 'abc'], cluster);
  t.equal(r.exitCode, 0);
  t.same(JSON.parse(r.stdout), { apiVersion: 'iwp/v1', kind: 'Lock', stack: 'dev', id: 'abc', who: 'me', created: '1970-01-01T00:00:00Z' });
  t.equal(r.stderr, 'echoing name=dev');
});

t.test('--log-format json and --quiet', async (t) => {
  const j = await cli(['echo', '--log-format', 'json'], cluster);
  t.match(JSON.parse(j.stderr), { level: 'info', tool: 'fixture', msg: 'echoing', name: 'dev' });
  const q = await cli(['echo', '--quiet'], cluster);
  t.equal(q.stderr, '');
  t.equal(q.exitCode, 0);
});

t.test('bad input: one line, exit 2, no stack trace', async (t) => {
  const cases: Array<[string[], string | undefined, RegExp]> = [
    [['echo'], '{not json', /^fixture: error: stdin: malformed JSON/],
    [['echo'], JSON.stringify({ apiVersion: 'iwp/v1', kind: 'Image' }), /^fixture: error: stdin: kind: expected Cluster, got "Image"$/],
    [['echo', '--nope'], undefined, /^fixture: error: Nonexistent flag: --nope$/],
    [['echo', '--count', '9'], undefined, /^fixture: error: --count: Expected an integer less than or equal to 5 but received: 9$/],
    [['echo', '--input', '/does/not/exist'], undefined, /^fixture: error: --input: cannot read \/does\/not\/exist: no such file$/],
    [['echo'], undefined, /^fixture: error: stdin: expected a Cluster document/],
  ];
  for (const [args, input, re] of cases) {
    const r = await cli(args, input);
    t.equal(r.exitCode, 2, args.join(' '));
    t.match(r.stderr, re, args.join(' '));
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

t.test('--json prints the Error document; exit codes follow the error code', async (t) => {
  const r = await cli(['echo', '--json', '--fail', 'LOCK_HELD']);
  t.equal(r.exitCode, 3);
  t.same(JSON.parse(r.stdout), { apiVersion: 'iwp/v1', kind: 'Error', code: 'LOCK_HELD', message: 'asked to fail with LOCK_HELD', hint: 'do not pass --fail' });
  t.match(r.stderr, /hint: do not pass --fail/);
  const nf = await cli(['echo', '--fail', 'NOT_FOUND']);
  t.equal(nf.exitCode, 4);
  const to = await cli(['echo', '--fail', 'TIMEOUT']);
  t.equal(to.exitCode, 5);
});
