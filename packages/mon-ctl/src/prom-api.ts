import { badInput, ErrorCode, ExitCode, IwpError, type QueryResult } from '@iwp/core';

/** `data` of Prometheus's answer: the part of core's QueryResult document the server gives. */
export type QueryData = Pick<QueryResult, 'resultType' | 'result'>;

export interface Target {
  job: string;
  instance: string;
  health: string;
  lastError: string;
  scrapeUrl: string;
}

/** The Prometheus HTTP API: errors carry the server's message; a query it cannot parse is bad input. */
export class PrometheusClient {
  readonly base: string;

  constructor(url: string) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw badInput('--prometheus-url', 'an http(s) URL', url);
    }
    if (!/^https?:$/.test(u.protocol)) throw badInput('--prometheus-url', 'an http(s) URL', url);
    this.base = u.toString().replace(/\/+$/, '');
  }

  private async call<T>(path: string, params: Record<string, string>): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new IwpError(ErrorCode.UNREACHABLE, `Prometheus at ${this.base} is unreachable (${cause})`, {
        hint: 'pass --prometheus-url, or run mon-ctl port-forward prometheus',
      });
    }
    const body = (await res.json().catch(() => ({}))) as { status?: string; data?: T; errorType?: string; error?: string };
    if (body.status === 'success') return body.data as T;
    if (res.status === 400 || body.errorType === 'bad_data') {
      throw new IwpError(ErrorCode.BAD_INPUT, `PROMQL: ${body.error ?? `HTTP ${res.status}`}`, { exitCode: ExitCode.BAD_INPUT, details: { errorType: body.errorType } });
    }
    throw new IwpError(ErrorCode.HTTP_ERROR, `Prometheus ${path}: ${body.error ?? `HTTP ${res.status}`}`, { details: { status: res.status, errorType: body.errorType } });
  }

  query(promql: string, time?: Date): Promise<QueryData> {
    return this.call('/api/v1/query', { query: promql, ...(time ? { time: String(time.getTime() / 1000) } : {}) });
  }

  queryRange(promql: string, rangeMs: number, stepMs?: number): Promise<QueryData> {
    const end = Date.now() / 1000;
    const step = Math.max(1, Math.round((stepMs ?? rangeMs / 250) / 1000));
    return this.call('/api/v1/query_range', { query: promql, start: String(end - rangeMs / 1000), end: String(end), step: `${step}s` });
  }

  async targets(): Promise<Target[]> {
    let res: Response;
    try {
      res = await fetch(`${this.base}/api/v1/targets?state=active`, { signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      throw new IwpError(ErrorCode.UNREACHABLE, `Prometheus at ${this.base} is unreachable (${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message})`);
    }
    const body = (await res.json()) as { data: { activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }> } };
    return body.data.activeTargets.map((t) => ({ job: t.labels.job ?? '', instance: t.labels.instance ?? '', health: t.health, lastError: t.lastError, scrapeUrl: t.scrapeUrl }));
  }
}
