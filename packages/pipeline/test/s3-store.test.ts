import t from 'tap';
import { openStore } from '@iwp/core';
import { testBucket } from '@iwp/core/testing';
import { runPipeline } from '../src/run.js';
import { S3RunStore } from '../src/stores/s3.js';
import { cli, fixture, pushPayload, tempDir } from './helpers.js';
import { githubEvent } from '../src/event.js';

t.test('run history in S3: records and logs uploaded; runs list/show/logs read them back', { skip: !process.env.AWS_ENDPOINT_URL && 'AWS_ENDPOINT_URL not set: start the test environment (scripts/testenv up)' }, async (t) => {
  const url = `s3://${await testBucket('pipeline')}/ci/runs`;
  const staging = await tempDir(t);
  const store = new S3RunStore(openStore(url), staging);
  const run = await runPipeline({ script: fixture('sequence.ts'), event: githubEvent('push', pushPayload()), store, executors: { default: 'process' } });
  t.equal(run.status, 'failed');
  t.equal(run.jobs[0]?.logFile, `${url}/${run.id}/logs/build.log`);
  t.equal((run as { logFile?: string }).logFile, `${url}/${run.id}/script.log`);

  // a fresh store (another machine) sees the same history
  const other = new S3RunStore(openStore(url), await tempDir(t));
  t.same(await other.get(run.id), run);
  t.same((await other.list()).map((r) => r.id), [run.id]);
  const logs = await other.logs(run.id, 'test');
  t.same(logs, [{ job: 'test', location: `${url}/${run.id}/logs/test.log`, text: 'built\n' }]);

  const show = await cli(['runs', 'show', run.id, '--runs-dir', url]);
  t.equal(show.exitCode, 0);
  t.equal(JSON.parse(String(show.stdout)).id, run.id);
  const cliLogs = await cli(['runs', 'logs', run.id, '--runs-dir', url, '--job', 'build']);
  t.match(String(cliLogs.stdout), /build done/);
  const missing = await cli(['runs', 'show', '20990101-000000-000000', '--runs-dir', url]);
  t.equal(missing.exitCode, 4);
});
