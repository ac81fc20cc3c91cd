import t from 'tap';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bucket, needsS3, workspace } from './helpers.js';

/**
 * A store that silently ignores conditional creates: a proxy in front of the S3 emulator
 * that drops `If-None-Match` from every request, as some S3-compatible stores do.
 */
async function ignoringProxy(t: { teardown(fn: () => unknown): void }): Promise<string> {
  const upstream = new URL(process.env.AWS_ENDPOINT_URL!);
  const server = createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers['if-none-match'];
    const up = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise((r) => server.close(r)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

t.test('check-backend passes on the emulator and fails on a store that ignores If-None-Match', { skip: needsS3 }, async (t) => {
  const b = await bucket('check');
  const good = await workspace(t, `s3://${b}/state`);
  const ok = await good.json(['check-backend']);
  t.match(ok, { kind: 'BackendCheck', ok: true, conditionalCreate: true, conditionalReplace: true, conditionalDelete: true });

  const proxy = await ignoringProxy(t);
  const bad = await workspace(t, `s3://${b}/state?endpoint=${encodeURIComponent(proxy)}`, 'web');
  const r = await bad.run(['check-backend']);
  t.equal(r.exitCode, 1);
  t.match(JSON.parse(String(r.stdout)), { code: 'UNSAFE_BACKEND', details: { check: { ok: false, conditionalCreate: false } } });
  t.match(String(r.stderr), /does not honour conditional writes \(conditionalCreate failed\)/);

  t.equal((await bad.run(['init'])).exitCode, 1, 'init refuses the store');
  const lock = await bad.run(['lock']);
  t.equal(lock.exitCode, 1, 'lock refuses to lock on it');
  t.match(String(lock.stderr), /--lock-table/);
  const listed = await good.json(['locks']);
  t.same(listed.items, [], 'and wrote no lock');

  // the DynamoDB lock table makes the same store safe to lock
  const table = `iwp-locks-${Date.now().toString(36)}`;
  const env = { REMOTE_STATE_LOCK_TABLE: table };
  t.match(await bad.json(['init'], { env }), { kind: 'StateInfo', stack: 'web' });
  const first = await bad.json(['lock', '--reason', 'deploy'], { env });
  t.match(first, { kind: 'Lock', stack: 'web', reason: 'deploy' });
  const other = await workspace(t, `s3://${b}/state?endpoint=${encodeURIComponent(proxy)}`, 'web');
  const second = await other.run(['lock'], { env });
  t.equal(second.exitCode, 3, 'the table lock is exclusive');
  t.match(JSON.parse(String(second.stdout)), { code: 'LOCK_HELD', details: { holder: { id: first.id } } });
  t.match(await other.json(['locks'], { env }), { items: [{ id: first.id }] });
  t.equal((await other.run(['unlock', '--id', String(first.id)], { env })).exitCode, 0, 'unlock by id');
  t.match(await other.json(['lock'], { env }), { kind: 'Lock' });
});

t.test('bad input: clear errors, exit 2/3/4, stored state unchanged', { skip: needsS3 }, async (t) => {
  const b = await bucket('bad');
  const w = await workspace(t, `s3://${b}`);
  await w.run(['init']);
  t.equal((await w.run(['push', '--from', 'echo \'{"v":1}\''])).exitCode, 0);
  const before = await w.json(['status']);

  const notJson = await w.run(['push', '--from', 'echo not json']);
  t.equal(notJson.exitCode, 2);
  t.match(String(notJson.stderr), /--from "echo not json": expected a JSON state/);
  t.equal((await w.run(['push', 'missing.json'])).exitCode, 2, 'a missing file');
  t.match(String((await w.run(['lock', '--ttl', 'soon'])).stderr), /--ttl: expected a duration/);
  t.equal((await w.run(['status', '--stack', 'no/slashes'])).exitCode, 2);
  const scheme = await w.run(['status', '--store', 'ftp://x/y']);
  t.equal(scheme.exitCode, 2);
  t.match(String(scheme.stderr), /--store: expected a store URL/);
  t.equal((await w.run(['status'], { env: { REMOTE_STATE_STORE: '' } })).exitCode, 2, 'no store');
  t.equal((await w.run(['exec'])).exitCode, 2, 'exec without a command');

  const unknown = await w.run(['status', '--stack', 'nope']);
  t.equal(unknown.exitCode, 4);
  t.match(String(unknown.stderr), /stack nope not found/);
  t.equal((await w.run(['push', '--stack', 'nope', '--from', 'echo {}'])).exitCode, 4, 'push to an unknown stack');
  t.equal((await w.run(['pull', '--version', '99'])).exitCode, 4, 'an unknown version');

  const noBucket = await w.run(['init', '--store', 's3://iwp-no-such-bucket-here']);
  t.equal(noBucket.exitCode, 4);
  t.match(String(noBucket.stderr), /bucket iwp-no-such-bucket-here not found/);

  const noCreds = await w.run(['status'], {
    env: { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: 'iwp-none', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_EC2_METADATA_DISABLED: 'true' },
  });
  t.equal(noCreds.exitCode, 2, 'missing credentials are bad input');
  t.match(JSON.parse(String(noCreds.stdout)), { code: 'AUTH_FAILED' });

  t.same(await w.json(['status']), before, 'state unchanged');
  t.same(((await w.json(['history'])).items as unknown[]).length, 1, 'history unchanged');
});
