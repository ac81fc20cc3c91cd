import t from 'tap';
import { ErrorCode, ExitCode, IwpError, badInput, conflict, notFound, redact, timedOut, toIwpError } from '../src/errors.js';

t.test('codes map to the exit codes of the contract', async (t) => {
  t.equal(badInput('--max-layers', '1..127', 0).exitCode, ExitCode.BAD_INPUT);
  t.equal(notFound('stack prod').exitCode, ExitCode.NOT_FOUND);
  t.equal(conflict('lock held').exitCode, ExitCode.CONFLICT);
  t.equal(timedOut('waited 10s').exitCode, ExitCode.TIMEOUT);
  t.equal(new IwpError(ErrorCode.LOCK_HELD, 'x').exitCode, 3);
  t.equal(new IwpError(ErrorCode.CAS_LOST, 'x').exitCode, 3);
  t.equal(new IwpError('SOMETHING_ELSE', 'x').exitCode, 1);
  t.equal(new IwpError(ErrorCode.NOT_FOUND, 'x', { exitCode: ExitCode.FAILED }).exitCode, 1, 'explicit exit code wins');
});

t.test('badInput names the field, what was expected and what came', async (t) => {
  const e = badInput('--max-layers', 'a whole number from 1 to 127', 0);
  t.equal(e.message, '--max-layers: expected a whole number from 1 to 127, got 0');
  t.same(e.details, { field: '--max-layers', expected: 'a whole number from 1 to 127', got: '0' });
  t.equal(notFound('stack "prod"').message, 'stack "prod" not found');
});

t.test('toIwpError keeps facts and classifies connection failures', async (t) => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  t.equal(toIwpError(refused).code, ErrorCode.UNREACHABLE);
  t.equal(toIwpError(new Error('boom')).code, ErrorCode.FAILED);
  t.equal(toIwpError('text').message, 'text');
  const own = conflict('x');
  t.equal(toIwpError(own), own, 'an IwpError passes through');
});

t.test('redact removes credentials from messages', async (t) => {
  t.equal(redact('GET https://user:s3cret@registry.example/v2/'), 'GET https://***:***@registry.example/v2/');
  t.notMatch(redact('Authorization: Basic dXNlcjpwYXNz'), /dXNlcjpwYXNz/);
  t.notMatch(redact('Bearer eyJhbGciOiJIUzI1NiJ9.abc.def'), /eyJhbGci/);
  t.notMatch(redact('https://s3/x?X-Amz-Signature=abcdef0123&y=1'), /abcdef0123/);
  t.notMatch(redact('{"password":"hunter2"}'), /hunter2/);
  t.equal(redact('nothing secret here'), 'nothing secret here');
});
