/**
 * The run page's script (sent inline, no bundle, no CDN): follows a live run's events over
 * server-sent events (log lines appended as they arrive, job rows updated), and re-runs a
 * run with a request signed like a webhook (HMAC-SHA256 of the body with the webhook secret,
 * computed in the browser with WebCrypto; the secret is asked for and never stored).
 */
export const RUN_PAGE_CLIENT = String.raw`
const $ = (s, el = document) => el.querySelector(s);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const badge = (s) => '<span class="st st-' + esc(s) + '">' + esc(s) + '</span>';
const dur = (ms) => ms === undefined ? '' : ms < 1000 ? ms + ' ms' : (ms / 1000).toFixed(1) + ' s';
function pane(name) {
  let p = document.querySelector('[data-log="' + CSS.escape(name) + '"] pre');
  if (!p) {
    const s = document.createElement('section');
    s.dataset.log = name;
    s.innerHTML = '<h2>' + esc(name) + '</h2><pre class="log"></pre>';
    $('#logs').appendChild(s);
    p = $('pre', s);
  }
  return p;
}
function jobRow(f) {
  let tr = document.querySelector('#jobs tr[data-job="' + CSS.escape(f.job) + '"]');
  if (!tr) {
    tr = document.createElement('tr');
    tr.dataset.job = f.job;
    tr.innerHTML = '<td>' + esc(f.job) + '</td><td class="js"></td><td>' + esc(f.executor ?? '') + '</td><td class="jd"></td><td class="je"></td>';
    $('#jobs tbody').appendChild(tr);
  }
  return tr;
}
if (LIVE) {
  const es = new EventSource('/api/runs/' + RUN + '/events');
  const on = (name, fn) => es.addEventListener(name, (m) => fn(JSON.parse(m.data)));
  on('job.started', (f) => { $('.js', jobRow(f)).innerHTML = badge('running'); pane(f.job); });
  on('job.finished', (f) => { const tr = jobRow(f); $('.js', tr).innerHTML = badge(f.status); $('.jd', tr).textContent = dur(f.durationMs); });
  on('job.log', (f) => { const p = pane(f.job); p.textContent += f.line + '\n'; p.scrollTop = p.scrollHeight; });
  on('script.log', (f) => { pane('(script)').textContent += f.line + '\n'; });
  on('run.finished', (f) => { es.close(); $('#status').innerHTML = badge(f.status); $('#took').textContent = dur(f.durationMs); if (f.error) $('#rerun-result').textContent = f.error; });
  on('end', () => es.close());
}
async function sign(secret, body) {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body)));
  return 'sha256=' + [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
}
$('#rerun').addEventListener('click', async () => {
  const secret = window.prompt('Webhook secret (signs the re-run request)');
  if (!secret) return;
  const body = JSON.stringify({ run: RUN });
  const res = await fetch('/api/runs/' + RUN + '/rerun', { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': await sign(secret, body), 'x-iwp-delivery': 'rerun-' + crypto.randomUUID() } });
  const doc = await res.json();
  if (res.status === 202) location.href = '/runs/' + doc.id;
  else $('#rerun-result').textContent = res.status + ': ' + doc.message;
});
`;
