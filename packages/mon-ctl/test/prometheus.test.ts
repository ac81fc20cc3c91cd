import t from 'tap';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { tempDir } from '@iwp/core/testing';
import { allDashboards, dashboardQueries, expandVariables, PrometheusClient } from '../src/index.js';
import { cacheCtl, cli, cliJson, freePort, needsKube, needsProm, promBin, startPrometheus } from './helpers.js';

t.test('the generated configs pass promtool check config', { skip: needsProm || needsKube }, async (t) => {
  const dir = await tempDir(t, 'iwp-mon-ctl-');
  const list = JSON.parse(String((await cli(['manifests'])).stdout)) as { items: Array<{ kind: string; metadata: { name: string }; data?: Record<string, string> }> };
  const inCluster = list.items.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'prometheus-config')!.data!['prometheus.yml']!;
  await writeFile(join(dir, 'in-cluster.yml'), inCluster);
  // the in-cluster config names the pod's service-account files, which exist only in a pod
  const syntax = await execa(join(promBin!, 'promtool'), ['check', 'config', '--syntax-only', join(dir, 'in-cluster.yml')], { reject: false });
  t.equal(syntax.exitCode, 0, `in-cluster config: ${String(syntax.stdout)}${String(syntax.stderr)}`);
  t.match(inCluster, /kubernetes_sd_configs/);

  const out = await cli(['config', '--kubeconfig', process.env.KUBECONFIG!, '--scrape', '127.0.0.1:5050']);
  await writeFile(join(dir, 'outside.yml'), String(out.stdout));
  const full = await execa(join(promBin!, 'promtool'), ['check', 'config', join(dir, 'outside.yml')], { reject: false });
  t.equal(full.exitCode, 0, `out-of-cluster config: ${String(full.stdout)}${String(full.stderr)}`);
});

t.test('Prometheus started with the config scrapes cache-ctl serve; mon-ctl query sees it up', { skip: needsProm || needsKube }, async (t) => {
  const dir = await tempDir(t, 'iwp-mon-ctl-');
  await execa('node', [cacheCtl, 'init', `file://${dir}`]);
  const port = await freePort();
  const serve = execa('node', [cacheCtl, 'serve', '--from', `file://${dir}`, '--listen', `127.0.0.1:${port}`], { reject: false, stdin: 'ignore' });
  t.teardown(() => {
    serve.kill('SIGTERM');
    return serve;
  });
  const config = String((await cli(['config', '--kubeconfig', process.env.KUBECONFIG!, '--scrape', `127.0.0.1:${port}`, '--scrape-interval', '1s'])).stdout);
  const url = await startPrometheus(t, config);

  let up: Record<string, unknown> | undefined;
  for (let i = 0; i < 60; i++) {
    up = await cliJson(['query', 'up{job="iwp"}', '--prometheus-url', url]);
    const r = (up.result as Array<{ value: [number, string] }>)[0];
    if (r?.value[1] === '1') break;
    await sleep(500);
  }
  t.match(up, { kind: 'QueryResult', resultType: 'vector', result: [{ metric: { job: 'iwp', instance: `127.0.0.1:${port}` }, value: [Number, '1'] }] });

  const served = await cliJson(['query', 'sum(cache_ctl_requests_total)', '--prometheus-url', url, '--range', '1m']);
  t.match(served, { resultType: 'matrix' });

  const status = await cliJson(['status', '--targets-only', '--prometheus-url', url]);
  t.match(status, { kind: 'MonitoringStack', targets: Array });
  const iwp = (status.targets as Array<{ job: string; health: string }>).find((x) => x.job === 'iwp');
  t.equal(iwp?.health, 'up');
  const jobs = new Set((status.targets as Array<{ job: string }>).map((x) => x.job));
  t.ok(jobs.has('prometheus'), 'its own target');

  // every dashboard query parses as PromQL on the running server
  for (const d of allDashboards()) {
    t.match(d, { uid: /^iwp-/, title: String, schemaVersion: 39, panels: Array }, `${d.uid} has Grafana's dashboard fields`);
    const ids = d.panels.map((p) => p.id);
    t.equal(new Set(ids).size, ids.length, `${d.uid}: panel ids are unique`);
    for (const p of d.panels) {
      const g = p.gridPos as { x: number; w: number };
      t.ok(g.x + g.w <= 24, `${d.uid} / ${String(p.title)} fits the grid`);
    }
    for (const q of dashboardQueries(d)) {
      const err = await new PrometheusClient(url).query(expandVariables(q)).then(() => '', (e: Error) => e.message);
      t.equal(err, '', `${d.uid}: ${q} parses`);
    }
  }

  // bad input: invalid PromQL is the server's error, exit 2
  const bad = await cli(['query', 'sum(rate(up[5m]', '--prometheus-url', url]);
  t.equal(bad.exitCode, 2);
  t.match(String(bad.stderr), /PROMQL: .*(parse error|unclosed)/);
  const exported = await tempDir(t, 'iwp-mon-ctl-');
  const ex = await cliJson(['dashboards', 'export', exported]);
  t.equal((ex.files as string[]).length, 3);
  t.same(JSON.parse(await readFile(join(exported, 'iwp-knative-scaling.json'), 'utf8')).uid, 'iwp-knative-scaling');
});

t.test('bad input: unreachable Prometheus, unknown component, bad flags', async (t) => {
  const port = await freePort();
  const down = await cli(['query', 'up', '--prometheus-url', `http://127.0.0.1:${port}`]);
  t.equal(down.exitCode, 1);
  t.match(JSON.parse(String(down.stdout)), { code: 'UNREACHABLE' });
  t.match(String(down.stderr), /unreachable \(ECONNREFUSED\)/);
  const withBad = await cli(['manifests', '--with', 'kube-state-metrics,zipkin']);
  t.equal(withBad.exitCode, 2);
  t.match(String(withBad.stderr), /--with: expected components among kube-state-metrics, node-exporter, got "zipkin"/);
  t.equal((await cli(['manifests', '--namespace', 'Not_A_Label'])).exitCode, 2);
  t.equal((await cli(['query', 'up', '--prometheus-url', 'ftp://x'])).exitCode, 2);
  t.equal((await cli(['query', 'up', '--range', 'forever'])).exitCode, 2);
  t.equal((await cli(['port-forward', 'zipkin'])).exitCode, 2);
});
