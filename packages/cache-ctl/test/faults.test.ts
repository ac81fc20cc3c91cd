import t, { type Test } from 'tap';
import { openStore } from '@iwp/core';
import { startFaultProxy } from '@iwp/core/testing';
import { bucket, buildClosure, cli, cliJson, keyPair, needsS3, tempDir } from './helpers.js';

/** Every narinfo in the bucket points at a NAR that exists (read directly, not through the proxy). */
async function noNarinfoWithoutNar(t: Test, b: string): Promise<number> {
  const s = openStore(`s3://${b}`);
  const keys = new Set((await s.list('')).map((o) => o.key));
  const narinfos = [...keys].filter((k) => k.endsWith('.narinfo'));
  for (const k of narinfos) {
    const url = /URL: (\S+)/.exec(String((await s.get(k))!.body))![1]!;
    if (!keys.has(url)) t.fail(`${k} points at ${url}, which does not exist`);
  }
  t.pass(`${narinfos.length} narinfo(s), each with its NAR`);
  return narinfos.length;
}

t.test('push through a proxy that drops, fails and delays requests: completes or exits 1 naming the endpoint; never a narinfo without its NAR', { skip: needsS3, timeout: 300_000 }, async (t) => {
  const dir = await tempDir(t);
  const key = await keyPair(t, dir);
  const b = await bucket('faults');
  const proxy = await startFaultProxy(process.env.AWS_ENDPOINT_URL!, {}, 3);
  t.teardown(() => proxy.close());
  const store = `s3://${b}?endpoint=${encodeURIComponent(proxy.url)}`;
  await cliJson(['init', store]);

  proxy.plan({ rates: { error500: 0.06, slowDown: 0.06, dropRequest: 0.06, dropResponse: 0.06, delay: 0.06 }, delayMs: 300 });
  const closures = await Promise.all([buildClosure(2, t), buildClosure(0, t), buildClosure(0, t)]);
  for (const c of closures) {
    const r = await cli(['push', c.top, '--to', store, '--sign-key', key.sec, '--compression', 'none']);
    if (r.exitCode === 0) t.pass(`pushed ${c.top} through the faults`);
    else {
      t.equal(r.exitCode, 1, 'a push that gives up exits 1');
      t.match(String(r.stderr), proxy.host, 'naming the endpoint');
    }
    await noNarinfoWithoutNar(t, b);
  }
  t.comment(`faults injected: ${JSON.stringify(proxy.counts)}`);

  proxy.plan({ rates: { error500: 0.5, dropRequest: 0.5 } });
  const storm = await cli(['push', (await buildClosure(0, t)).top, '--to', store, '--sign-key', key.sec]);
  t.equal(storm.exitCode, 1, 'a store that keeps failing: exit 1');
  t.match(String(storm.stderr), proxy.host, 'naming the endpoint');
  await noNarinfoWithoutNar(t, b);

  proxy.plan({});
  for (const c of closures) t.equal((await cli(['push', c.top, '--to', store, '--sign-key', key.sec, '--compression', 'none'])).exitCode, 0, 'without faults the same push converges');
  const paths = new Set(closures.flatMap((c) => c.closure)).size;
  t.match(await cliJson(['verify', '--store', `s3://${b}`, '--trusted-key', key.pub]), { checked: paths, ok: paths, failed: [] }, 'every entry verifies');
});
