import t from 'tap';
import { sign } from '../src/server/signature.js';
import { fixture, pushPayload, tempDir } from './helpers.js';
import { SECRET, startServer } from './serve-helpers.js';

t.test('a signed GitHub push webhook over HTTP runs the script', async (t) => {
  const s = await startServer(t, fixture('payload.ts'));
  const res = await s.push(pushPayload(), 'delivery-ok-1');
  t.equal(res.status, 202);
  t.match(res.json, { kind: 'PipelineRun', status: 'queued', event: { source: 'brigade.sh/github', type: 'push', deliveryId: 'delivery-ok-1' } });
  const run = await s.waitForRun(res.json.id as string);
  t.equal(run.status, 'succeeded');
  t.equal(run.jobs[0]?.stdout, 'ref=refs/heads/main repo=acme/web commit=0123456789abcdef0123456789abcdef01234567');

  // GitHub's form content type carries the JSON in a payload field
  const form = `payload=${encodeURIComponent(pushPayload({ after: 'f'.repeat(40) }))}`;
  const res2 = await s.push(form, 'delivery-form-1', { 'content-type': 'application/x-www-form-urlencoded' });
  t.equal(res2.status, 202);
  t.equal((await s.waitForRun(res2.json.id as string)).jobs[0]?.stdout, `ref=refs/heads/main repo=acme/web commit=${'f'.repeat(40)}`);
});

t.test('a bad or missing signature is refused with 401 and runs nothing', async (t) => {
  const s = await startServer(t, fixture('payload.ts'));
  const body = pushPayload();
  const cases: Array<[string, Record<string, string>]> = [
    ['missing', {}],
    ['wrong secret', { 'x-hub-signature-256': sign('not-the-secret', body) }],
    ['other body', { 'x-hub-signature-256': sign(SECRET, `${body} `) }],
    ['sha1 only', { 'x-hub-signature': 'sha1=0000000000000000000000000000000000000000' }],
    ['garbage', { 'x-hub-signature-256': 'sha256=zz' }],
  ];
  for (const [name, sig] of cases) {
    const res = await s.post('/github', body, { 'x-github-event': 'push', 'x-github-delivery': `d-${name.replace(/ /g, '-')}`, ...sig });
    t.equal(res.status, 401, name);
    t.match(res.json, { kind: 'Error', code: 'AUTH_FAILED', message: /^X-Hub-Signature-256: / }, name);
  }
  t.same(await s.runIds(), [], 'no run was recorded');
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  t.match(metrics, /iwp_pipeline_webhooks_total\{result="unauthorized"\} 5/);
  t.match(metrics, /iwp_pipeline_webhooks_total\{result="accepted"\} 0/);
  // refused deliveries were not claimed: the genuine one is still accepted
  const ok = await s.push(body, 'd-missing');
  t.equal(ok.status, 202);
});

t.test('a replayed delivery runs nothing, also after a restart', async (t) => {
  const dir = await tempDir(t);
  const dirs = { runsDir: `${dir}/runs`, stateDir: `${dir}/state` };
  const s = await startServer(t, fixture('payload.ts'), [], dirs);
  const first = await s.push(pushPayload(), 'delivery-replay');
  t.equal(first.status, 202);
  await s.waitForRun(first.json.id as string);
  const again = await s.push(pushPayload(), 'delivery-replay');
  t.equal(again.status, 409);
  t.match(again.json, { code: 'DUPLICATE_DELIVERY', delivery: 'delivery-replay' });
  t.equal((await s.runIds()).length, 1);
  await s.stop();

  const s2 = await startServer(t, fixture('payload.ts'), [], dirs);
  const afterRestart = await s2.push(pushPayload(), 'delivery-replay');
  t.equal(afterRestart.status, 409);
  t.equal((await s2.runIds()).length, 1, 'still one run');
});

t.test('an oversized body gets 413; the server keeps serving', async (t) => {
  const s = await startServer(t, fixture('payload.ts'), ['--max-body', '1k']);
  const big = pushPayload({ padding: 'x'.repeat(4096) });
  const res = await s.push(big, 'delivery-big');
  t.equal(res.status, 413);
  t.match(res.json, { code: 'BODY_TOO_LARGE' });
  t.same(await s.runIds(), []);
  t.equal((await fetch(`${s.url}/healthz`)).status, 200);
  t.equal((await s.push(pushPayload(), 'delivery-small')).status, 202);
});

t.test('bad input: malformed payload, unknown event source, a script that throws: clear errors in the run record, the server keeps serving', async (t) => {
  const s = await startServer(t, fixture('payload.ts'));
  const bad = '{"ref": "refs/heads/main",';
  const res = await s.push(bad, 'delivery-malformed');
  t.equal(res.status, 400);
  t.match(res.json, { kind: 'Error', code: 'BAD_DOCUMENT', message: /^payload: malformed JSON/ });
  const rec = await s.waitForRun(res.json.run as string);
  t.match(rec, { status: 'failed', error: /^payload: malformed JSON/, jobs: [], event: { deliveryId: 'delivery-malformed' } });

  const unknownBody = JSON.stringify({ source: 'example.com/jira', type: 'issue', payload: { key: 'X-1' } });
  const unknown = await s.post('/events', unknownBody, { 'x-hub-signature-256': sign(SECRET, unknownBody), 'x-iwp-delivery': 'g-1' });
  t.equal(unknown.status, 202);
  const unknownRun = await s.waitForRun(unknown.json.id as string);
  t.match(unknownRun, { status: 'succeeded', ignored: true, summary: 'ignored: no handler for event example.com/jira:issue (the script handles brigade.sh/github:push, brigade.sh/generic:hello)', jobs: [] });

  // a GitHub event type the script does not handle: recorded and ignored the same way
  const star = JSON.stringify({ action: 'created', repository: { full_name: 'acme/web' }, sender: { login: 'octocat' } });
  const starred = await s.post('/github', star, { 'x-github-event': 'star', 'x-github-delivery': 'star-1', 'x-hub-signature-256': sign(SECRET, star) });
  t.equal(starred.status, 202);
  t.match(await s.waitForRun(starred.json.id as string), { status: 'succeeded', ignored: true, summary: /^ignored: no handler for event brigade.sh\/github:star:created/, event: { repo: 'acme/web', actor: 'octocat' } });

  const noType = JSON.stringify({ source: 'x' });
  const missing = await s.post('/events', noType, { 'x-hub-signature-256': sign(SECRET, noType) });
  t.equal(missing.status, 400);
  t.match(missing.json, { message: 'body.type: expected a non-empty string, got null' });

  const ok = await s.push(pushPayload(), 'delivery-after-bad');
  t.equal(ok.status, 202, 'still serving');
  t.equal((await s.waitForRun(ok.json.id as string)).status, 'succeeded');

  const thrower = await startServer(t, fixture('throws.ts'));
  const thrown = await thrower.push(pushPayload(), 'delivery-throws');
  t.equal(thrown.status, 202);
  t.match(await thrower.waitForRun(thrown.json.id as string), { status: 'failed', error: 'deploy target not configured' });
  t.equal((await fetch(`${thrower.url}/healthz`)).status, 200, 'the server survived the script');
  t.equal((await thrower.push(pushPayload(), 'delivery-throws-2')).status, 202);
});

t.test('generic JSON events', async (t) => {
  const s = await startServer(t, fixture('payload.ts'));
  const body = JSON.stringify({ source: 'generic', type: 'hello', payload: { name: 'world' } });
  const res = await s.post('/events', body, { 'x-hub-signature-256': sign(SECRET, body) });
  t.equal(res.status, 202);
  const run = await s.waitForRun(res.json.id as string);
  t.match(run, { status: 'succeeded', event: { source: 'brigade.sh/generic', type: 'hello' } });
  t.equal(run.jobs[0]?.stdout, 'hello world');
  const unsigned = await s.post('/events', body);
  t.equal(unsigned.status, 401);
});

t.test('runs are queued with bounded concurrency; /healthz and /metrics report them', async (t) => {
  const s = await startServer(t, fixture('slow.ts'), ['--concurrency', '1']);
  const a = await s.push(pushPayload({ sleep: '2' }), 'q-1');
  const b = await s.push(pushPayload({ sleep: '0' }), 'q-2');
  t.equal(a.status, 202);
  t.equal(b.status, 202);
  t.same(await (await fetch(`${s.url}/healthz`)).json(), { status: 'ok', queued: 1, running: 1 });
  const ra = await s.waitForRun(a.json.id as string);
  const rb = await s.waitForRun(b.json.id as string);
  t.equal(ra.status, 'succeeded');
  t.equal(rb.status, 'succeeded');
  t.ok(Date.parse(rb.jobs[0]!.startedAt as string) >= Date.parse(ra.finishedAt!), 'the second run started after the first finished');
  const metrics = await (await fetch(`${s.url}/metrics`)).text();
  t.match(metrics, /iwp_pipeline_runs_total\{status="succeeded"\} 2/);
  t.match(metrics, /iwp_pipeline_webhook_to_start_seconds_count 2/);
  t.match(metrics, /iwp_pipeline_job_duration_seconds_count\{executor="process",status="succeeded"\} 2/);
  t.match(metrics, /iwp_pipeline_process_cpu_user_seconds_total/);
});

t.test('other routes', async (t) => {
  const s = await startServer(t, fixture('payload.ts'));
  t.equal((await fetch(`${s.url}/nope`)).status, 404);
  t.equal((await fetch(`${s.url}/github`)).status, 405);
  const ping = JSON.stringify({ zen: 'Keep it logically awesome.' });
  const res = await s.post('/github', ping, { 'x-github-event': 'ping', 'x-github-delivery': 'p-1', 'x-hub-signature-256': sign(SECRET, ping) });
  t.equal(res.status, 200);
  t.same(await s.runIds(), [], 'a ping runs nothing');
  const noDelivery = await s.post('/github', ping, { 'x-github-event': 'push', 'x-hub-signature-256': sign(SECRET, ping) });
  t.equal(noDelivery.status, 400);
});
