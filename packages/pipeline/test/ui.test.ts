import t from 'tap';
import { existsSync } from 'node:fs';
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { sign } from '../src/server/signature.js';
import { fixture, pushPayload, tempDir } from './helpers.js';
import { SECRET, startServer } from './serve-helpers.js';

const chromium = process.env.IWP_CHROMIUM ?? '/usr/bin/chromium';
const skip = !existsSync(chromium) && `no ${chromium} (scripts/testenv up installs Debian's chromium)`;

t.test('the web UI in headless Chromium: runs listed, a running job\'s log lines arrive live, re-run guarded like the API', { skip }, async (t) => {
  const dir = await tempDir(t);
  const s = await startServer(t, fixture('ticker.ts'));
  const done = await s.push(pushPayload({ after: 'a'.repeat(40), sender: { login: 'ada' } }), 'ui-1');
  await s.waitForRun(done.json.id as string);
  const release = join(dir, 'release');
  const running = await s.push(pushPayload({ after: 'b'.repeat(40), release, sender: { login: 'grace' } }), 'ui-2');
  const id = running.json.id as string;

  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'chromium')}`],
  });
  t.teardown(() => browser.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1200, height: 800 });

  await page.goto(`${s.url}/`);
  const rows = await page.$$eval('tr.run', (trs) => trs.map((tr) => [tr.getAttribute('data-run'), tr.querySelector('.st')?.textContent, tr.textContent]));
  t.same(rows.map((r) => r[0]), [id, done.json.id], 'runs newest first');
  t.match(rows[0]![1], /running|queued/);
  t.equal(rows[1]![1], 'succeeded');
  t.match(rows[1]![2], /acme\/web.*main.*aaaaaaaaaaaa.*ada/, 'the event: repository, ref, commit, who');

  await page.goto(`${s.url}/runs/${id}`);
  const logOf = (job: string) => page.$eval(`[data-log="${job}"] pre`, (p) => p.textContent ?? '').catch(() => '');
  await page.waitForFunction(() => /tick 2\n/.test(document.querySelector('[data-log="ticker"] pre')?.textContent ?? ''), { timeout: 20_000 });
  const early = await logOf('ticker');
  await page.waitForFunction((n) => (document.querySelector('[data-log="ticker"] pre')?.textContent ?? '').split('\n').length > n + 3, { timeout: 20_000 }, early.split('\n').length);
  const later = await logOf('ticker');
  t.ok(later.startsWith(early) && later.length > early.length, 'more lines arrived while the page stayed open');
  t.match(await logOf('build'), 'compiling\nlinked\n', 'the finished job\'s lines are there too');
  t.match(await page.$eval('#jobs tr[data-job="build"]', (tr) => tr.textContent), /succeeded.*\d+ ms/, 'a job with its duration');
  const shot = join(dir, 'ui.png');
  await page.screenshot({ path: shot, fullPage: false });
  if (process.env.IWP_UI_SCREENSHOT) await copyFile(shot, process.env.IWP_UI_SCREENSHOT);

  await writeFile(release, '');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'succeeded', { timeout: 20_000 });
  t.match(await logOf('ticker'), /tick \d+\ndone\n$/);

  // re-run: the button asks for the webhook secret and signs the request in the browser
  const unsigned = await fetch(`${s.url}/api/runs/${id}/rerun`, { method: 'POST', body: '{}' });
  t.equal(unsigned.status, 401, 'an unsigned re-run is refused');
  const wrong = JSON.stringify({ run: id });
  t.equal((await fetch(`${s.url}/api/runs/${id}/rerun`, { method: 'POST', body: wrong, headers: { 'x-hub-signature-256': sign('wrong-secret', wrong), 'x-iwp-delivery': 'r-1' } })).status, 401);
  page.once('dialog', (d) => void d.accept(SECRET));
  await Promise.all([page.waitForNavigation(), page.click('#rerun')]);
  const rerunId = page.url().split('/').pop()!;
  t.not(rerunId, id);
  const rerun = await s.waitForRun(rerunId);
  t.match(rerun, { status: 'succeeded', event: { rerunOf: id, commit: 'b'.repeat(40) } });
  t.equal((await fetch(`${s.url}/api/runs/${rerunId}`)).status, 200);
  t.equal((await fetch(`${s.url}/runs/zzz`)).status, 404);
});
