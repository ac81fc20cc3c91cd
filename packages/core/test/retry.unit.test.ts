import t from 'tap';
import { IwpError, isTransient, pollUntil, withRetry } from '../src/index.js';

t.test('isTransient: what may go away on its own', async (t) => {
  const cases: Array<[string, unknown, boolean]> = [
    ['connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), true],
    ['fetch failed', new TypeError('fetch failed'), true],
    ['S3 SlowDown', Object.assign(new Error('slow down'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }), true],
    ['HTTP 500', Object.assign(new Error('x'), { $metadata: { httpStatusCode: 500 } }), true],
    ['HTTP 429', Object.assign(new Error('x'), { status: 429 }), true],
    ['wrapped in a cause', new IwpError('FAILED', 'pushing', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }), true],
    ['412', Object.assign(new Error('x'), { name: 'PreconditionFailed', $metadata: { httpStatusCode: 412 } }), false],
    ['bad input', new IwpError('BAD_INPUT', '--x: expected y'), false],
    ['says so itself', new IwpError('FAILED', 'x', { details: { transient: false }, cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) }), false],
  ];
  for (const [name, err, want] of cases) t.equal(isTransient(err), want, name);
});

t.test('withRetry: retries transient errors, gives up with the last one, never retries the rest', async (t) => {
  let n = 0;
  t.equal(await withRetry(async () => (++n < 3 ? Promise.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' })) : 'ok'), { minTimeoutMs: 1 }), 'ok');
  t.equal(n, 3, 'two retries');
  n = 0;
  await t.rejects(withRetry(async () => { n++; throw Object.assign(new Error('down'), { status: 503 }); }, { retries: 2, minTimeoutMs: 1 }), { message: 'down' });
  t.equal(n, 3, 'one attempt and two retries');
  n = 0;
  await t.rejects(withRetry(async () => { n++; throw new IwpError('BAD_INPUT', 'no'); }, { minTimeoutMs: 1 }), { code: 'BAD_INPUT' });
  t.equal(n, 1, 'bad input is not retried');
});

t.test('withRetry: a fixed delay (min = max) and a chosen predicate, as the ec2 provider waits for an instance profile', async (t) => {
  let calls = 0;
  const started = Date.now();
  const r = await withRetry(async () => {
    if (++calls < 3) throw Object.assign(new Error('Invalid IAM Instance Profile name'), { name: 'InvalidParameterValue' });
    return 'i-1';
  }, { retries: 5, minTimeoutMs: 20, maxTimeoutMs: 20, factor: 1.5, shouldRetry: (e) => /Invalid IAM Instance Profile/.test((e as Error).message) });
  t.equal(r, 'i-1');
  t.equal(calls, 3);
  t.ok(Date.now() - started >= 40, 'waited between attempts');
  await t.rejects(withRetry(async () => { throw new Error('other'); }, { shouldRetry: (e) => /Invalid IAM/.test((e as Error).message) }), { message: 'other' });
});

t.test('pollUntil: asks until it holds; past the deadline a timeout (exit 5) with the message; an error ends the wait', async (t) => {
  let asked = 0;
  await pollUntil(async () => ++asked === 3, Date.now() + 10_000, 'never shown', 10);
  t.equal(asked, 3, 'stops at the first true answer');
  await t.rejects(pollUntil(async () => false, Date.now() + 50, 'thing not ready in time', 10), { code: 'TIMEOUT', exitCode: 5, message: 'thing not ready in time' });
  await t.rejects(pollUntil(async () => { throw new IwpError('FAILED', 'component died'); }, Date.now() + 10_000, 'never shown'), { code: 'FAILED', message: 'component died' });
});
