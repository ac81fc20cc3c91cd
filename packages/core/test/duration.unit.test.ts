import t from 'tap';
import { formatDuration, parseDuration } from '../src/duration.js';

t.test('parses the durations users write', async (t) => {
  const cases: Array<[string, number]> = [
    ['600s', 600_000], ['15m', 900_000], ['1h30m', 5_400_000], ['30d', 2_592_000_000], ['250ms', 250], ['2', 2000], ['1.5s', 1500],
  ];
  for (const [text, ms] of cases) t.equal(parseDuration(text, '--ttl'), ms, text);
});

t.test('names the flag on bad input', async (t) => {
  for (const bad of ['', '10x', 'm', '5m3', '-1s']) {
    t.throws(() => parseDuration(bad, '--wait-timeout'), { name: 'IwpError', exitCode: 2, message: /^--wait-timeout:/ }, bad);
  }
});

t.test('formats durations', async (t) => {
  t.equal(formatDuration(90_061_000), '1d1h1m1s');
  t.equal(formatDuration(999), '999ms');
});
