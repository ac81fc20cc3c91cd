import t from 'tap';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, pushPayload, tempDir } from './helpers.js';
import { startServer } from './serve-helpers.js';

t.test('a job granted nothing sees no server secret (environment or secrets file); a granted one is masked; none is in the run record', async (t) => {
  const dir = await tempDir(t);
  const secrets = join(dir, 'project.secrets');
  await writeFile(secrets, 'FILE_TOKEN=file-secret-5678\n');
  const s = await startServer(t, fixture('env.ts'), ['--secrets', secrets, '--secret-env', 'SERVER_TOKEN'], undefined, {
    SERVER_TOKEN: 'server-env-secret-1234',
    UNRELATED_SERVER_VAR: 'x',
  });
  const res = await s.push(pushPayload(), 'iso-1');
  const run = await s.waitForRun(res.json.id as string);
  t.equal(run.status, 'succeeded', run.error);
  const [nothing, granted] = run.jobs;
  const [names, verdict] = (nothing?.stdout ?? '').split('\n');
  t.same(names!.trim().split(' ').filter((n) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(n)), ['HOME', 'IWP_WORKSPACE', 'PATH'], 'PATH, HOME and the workspace only');
  t.equal(verdict, 'clean', 'no secret value anywhere in its environment');
  t.equal(granted?.stdout, 'token=***', 'a granted secret reaches its job, masked in the log');
  const files = ['run.json', 'event.json', 'script.log', 'logs/granted-nothing.log', 'logs/granted-token.log'];
  for (const f of files) {
    const text = await readFile(join(s.runsDir, run.id, f), 'utf8').catch(() => '');
    t.notMatch(text, /server-env-secret|file-secret/, `${f} holds no secret value`);
  }
  t.notMatch(s.stderr(), /server-env-secret|file-secret/, 'nor does the server log');
  t.match(JSON.parse(await readFile(join(s.runsDir, run.id, 'event.json'), 'utf8')).project.secrets, ['FILE_TOKEN', 'SERVER_TOKEN'], 'names only');
});
