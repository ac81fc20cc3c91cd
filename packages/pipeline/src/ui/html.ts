import type { PipelineRun } from '@iwp/core';
import type { RunLog } from '../stores/types.js';

/** Server-rendered pages of the web UI: pure functions of run records, no I/O. */
export const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Ev = PipelineRun['event'] & { repo?: string; ref?: string; commit?: string; actor?: string; title?: string };
type Run = PipelineRun & { durationMs?: number; summary?: string; ignored?: boolean };

export function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function statusOf(r: { status: string; ignored?: boolean }): string {
  return r.ignored ? 'ignored' : r.status;
}

const badge = (status: string) => `<span class="st st-${esc(status)}">${esc(status)}</span>`;

function eventCells(e: Ev): string {
  const ref = e.ref?.replace(/^refs\/heads\//, '');
  return `<td>${esc(e.repo ?? e.source)}</td><td>${esc(ref ?? e.type)}</td><td><code>${esc(e.commit?.slice(0, 12) ?? '')}</code></td><td>${esc(e.actor ?? '')}</td>`;
}

export function layout(title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1f2328;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:10px 20px}header a{color:#fff;text-decoration:none;font-weight:600}
main{padding:16px 20px}table{border-collapse:collapse;width:100%;background:#fff;margin-bottom:16px}
td,th{border-bottom:1px solid #d0d7de;padding:6px 8px;text-align:left;vertical-align:top}th{background:#eaeef2}
.st{border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;color:#fff;background:#6e7781}
.st-succeeded{background:#1a7f37}.st-failed{background:#cf222e}.st-running{background:#bf8700}.st-queued{background:#6639ba}
.st-skipped,.st-ignored{background:#8c959f}
pre{background:#0d1117;color:#e6edf3;padding:8px;margin:0 0 12px;max-height:320px;overflow:auto;white-space:pre-wrap}
h2{font-size:16px;margin:16px 0 6px}.err{color:#cf222e}button{font:inherit;padding:4px 12px}
</style></head>
<body><header><a href="/">iwp pipeline</a></header><main>${body}</main>${script ? `<script>${script}</script>` : ''}</body></html>`;
}

export function runsPage(runs: Run[]): string {
  const rows = runs.map((r) => {
    const jobs = r.jobs.map((j) => `${badge(j.status)} ${esc(j.name)} ${esc(duration(j.durationMs))}`).join('<br>');
    return `<tr class="run" data-run="${esc(r.id)}"><td><a href="/runs/${esc(r.id)}">${esc(r.id)}</a></td><td>${badge(statusOf(r))}</td>${eventCells(r.event as Ev)}<td>${esc(r.startedAt)}</td><td>${esc(duration(r.durationMs))}</td><td>${jobs}</td></tr>`;
  });
  const body = `<h1>Runs</h1><table><thead><tr><th>run</th><th>status</th><th>repository</th><th>ref</th><th>commit</th><th>by</th><th>started</th><th>took</th><th>jobs</th></tr></thead>
<tbody>${rows.join('\n') || '<tr><td colspan="9">no runs yet</td></tr>'}</tbody></table>`;
  // the list refreshes itself while a run is going
  const live = runs.some((r) => r.status === 'running' || r.status === 'queued');
  return layout('iwp pipeline: runs', body, live ? 'setTimeout(() => location.reload(), 3000);' : '');
}

export function runPage(run: Run, logs: RunLog[], live: boolean, client: string): string {
  const e = run.event as Ev;
  const jobs = run.jobs.map((j) => `<tr data-job="${esc(j.name)}"><td>${esc(j.name)}</td><td class="js">${badge(j.status)}</td><td>${esc(j.executor ?? '')}</td><td class="jd">${esc(duration(j.durationMs))}</td><td>${esc(j.exitCode ?? '')}</td></tr>`);
  const logText = new Map(logs.map((l) => [l.job, l.text]));
  const panes = ['(script)', ...run.jobs.map((j) => j.name)].map((name) =>
    `<section data-log="${esc(name)}"><h2>${esc(name)}</h2><pre class="log">${esc(live ? '' : logText.get(name) ?? '')}</pre></section>`);
  const body = `<h1>Run <code>${esc(run.id)}</code> <span id="status">${badge(statusOf(run))}</span></h1>
<table><tr><th>event</th><td>${esc(e.source)}:${esc(e.type)}</td><th>repository</th><td>${esc(e.repo ?? '')}</td><th>ref</th><td>${esc(e.ref ?? '')}</td></tr>
<tr><th>commit</th><td><code>${esc(e.commit ?? '')}</code></td><th>by</th><td>${esc(e.actor ?? '')}</td><th>took</th><td id="took">${esc(duration(run.durationMs))}</td></tr></table>
${run.error ? `<p class="err" id="error">${esc(run.error)}</p>` : ''}${run.summary ? `<p id="summary">${esc(run.summary)}</p>` : ''}
<p><button id="rerun" data-run="${esc(run.id)}">Re-run</button> <span id="rerun-result"></span></p>
<h2>Jobs</h2><table id="jobs"><thead><tr><th>job</th><th>status</th><th>executor</th><th>took</th><th>exit</th></tr></thead><tbody>${jobs.join('')}</tbody></table>
<div id="logs">${panes.join('\n')}</div>`;
  return layout(`iwp pipeline: ${run.id}`, body, `const RUN=${JSON.stringify(run.id)}, LIVE=${live};\n${client}`);
}
