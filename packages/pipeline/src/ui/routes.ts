import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIwpError, list, type PipelineRun } from '@iwp/core';
import type { EventInput } from '../event.js';
import type { RunStore } from '../stores/types.js';
import { errorReply, type Reply } from '../server/http.js';
import { RUN_PAGE_CLIENT } from './client.js';
import { runPage, runsPage } from './html.js';
import type { LiveRuns } from './live.js';

export interface UiDeps {
  store: RunStore;
  live: LiveRuns;
  /** re-queues a run's event (after the request was verified like a webhook) */
  rerun(id: string, req: IncomingMessage): Promise<Reply>;
}

const RUN_PATH = /^\/(?:api\/)?runs\/([0-9a-f-]{1,40})(\/events|\/rerun)?$/;

const html = (body: string): Reply => ({ status: 200, body, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });

/**
 * The web UI's routes: `GET /` (runs newest first), `GET /runs/ID` (a run, its jobs and
 * logs), `GET /api/runs[/ID]` (the documents), `GET /api/runs/ID/events` (a live run's
 * events as server-sent events), `POST /api/runs/ID/rerun` (signed like a webhook).
 * Returns undefined for paths that are not the UI's; a reply, or `'streamed'` when it
 * answered itself.
 */
export async function uiRoute(deps: UiDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<Reply | 'streamed' | undefined> {
  const get = req.method === 'GET' || req.method === 'HEAD';
  try {
    if (path === '/' && get) return html(runsPage(await deps.store.list()));
    if (path === '/api/runs' && get) return { status: 200, body: list('PipelineRun', await deps.store.list()) };
    const m = RUN_PATH.exec(path);
    if (!m) return undefined;
    const [, id, sub] = m;
    const api = path.startsWith('/api/');
    if (sub === '/rerun') return api && req.method === 'POST' ? deps.rerun(id!, req) : errorReply(405, 'METHOD_NOT_ALLOWED', 'rerun: expected POST /api/runs/ID/rerun');
    if (!get) return errorReply(405, 'METHOD_NOT_ALLOWED', `${req.method} ${path}: expected GET`);
    const run = await deps.store.get(id!);
    if (sub === '/events') {
      streamEvents(deps.live, run, req, res);
      return 'streamed';
    }
    if (api) return { status: 200, body: run };
    const live = deps.live.isLive(run.id);
    return html(runPage(run, live ? [] : await deps.store.logs(run.id), live, RUN_PAGE_CLIENT));
  } catch (err) {
    if (isIwpError(err)) return errorReply(err.exitCode === 4 ? 404 : 400, err.code, err.message);
    throw err;
  }
}

function streamEvents(live: LiveRuns, run: PipelineRun, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  if (!live.isLive(run.id)) {
    send('end', { status: run.status });
    res.end();
    return;
  }
  const stop = live.follow(run.id, (e) => {
    send(e.event, e.fields);
    if (e.event === 'run.finished' || e.event === 'run.error') {
      stop();
      res.end();
    }
  });
  // comments keep proxies from closing a quiet stream
  const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
  req.on('close', () => {
    clearInterval(ping);
    stop();
  });
}

/** The event a recorded run was for (its event.json), to run it again. */
export function rerunInput(event: Record<string, unknown>, run: PipelineRun, actor: string | undefined): EventInput {
  const str = (k: string) => (typeof event[k] === 'string' ? (event[k] as string) : undefined);
  const worker = event.worker as { git?: EventInput['git'] } | undefined;
  return {
    source: String(event.source),
    type: String(event.type),
    ...(str('payload') !== undefined ? { payload: str('payload')! } : {}),
    ...(event.qualifiers ? { qualifiers: event.qualifiers as Record<string, string> } : {}),
    ...(event.labels ? { labels: event.labels as Record<string, string> } : {}),
    ...(str('shortTitle') ? { shortTitle: str('shortTitle')! } : {}),
    ...(worker?.git ? { git: worker.git } : {}),
    ...(actor ? { actor } : {}),
    rerunOf: run.id,
  };
}
