// HTTP for the registry client on node:http and node:https with keep-alive agents. Node's
// fetch would do, but it costs a short CLI run dearly: loading undici and compiling its
// WebAssembly parser take ~40 ms of CPU before the first request, while node:http is part of
// every Node start. Only what the OCI distribution API needs: a request with a replayable
// body, redirects followed, the response's status, headers and body.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { pipeline, type Readable } from 'node:stream';

/** A request body: bytes, or a stream made anew for each attempt (a redirect sends it again). */
export type RequestBody = Uint8Array | (() => Readable);

export interface HttpRequest {
  method: string;
  headers?: Record<string, string>;
  body?: RequestBody;
}

export interface HttpResponse {
  status: number;
  /** a response header (lower-case name), or null */
  header(name: string): string | null;
  buffer(): Promise<Buffer>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** drops the body so the connection can be reused */
  discard(): Promise<void>;
}

// idle sockets of keep-alive agents are unref'd: they never keep the process alive
const agents = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

function once(url: URL, r: HttpRequest): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { ...r.headers };
    if (r.body instanceof Uint8Array && headers['content-length'] === undefined) headers['content-length'] = String(r.body.length);
    const req = send(url, { method: r.method, headers, agent: agents[url.protocol as keyof typeof agents] }, resolve);
    req.on('error', reject);
    if (r.body === undefined) req.end();
    else if (r.body instanceof Uint8Array) req.end(r.body);
    // a failing file or a connection cut ends both sides (and the request rejects)
    else pipeline(r.body(), req, (err) => err && req.destroy(err));
  });
}

function response(res: IncomingMessage): HttpResponse {
  const buffer = () => new Promise<Buffer>((resolve, reject) => {
    const parts: Buffer[] = [];
    res.on('data', (d: Buffer) => parts.push(d));
    res.on('end', () => (res.complete ? resolve(Buffer.concat(parts)) : reject(new Error('response body cut off'))));
    res.on('error', reject);
    res.on('close', () => res.readableEnded || reject(new Error('response body cut off')));
  });
  return {
    status: res.statusCode ?? 0,
    header: (name) => {
      const v = res.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
    },
    buffer,
    text: async () => (await buffer()).toString('utf8'),
    json: async () => JSON.parse((await buffer()).toString('utf8')) as unknown,
    // the socket goes back to the agent (and stops holding the process) only once the
    // response has been read to its end, even an empty one
    discard: () => new Promise<void>((resolve) => {
      if (res.readableEnded || res.destroyed) return resolve();
      res.on('end', resolve).on('error', () => resolve()).on('close', resolve).resume();
    }),
  };
}

/**
 * One request; redirects are followed (303 becomes a GET without body) and credentials are
 * not sent to another origin, as fetch does. Connection errors reject.
 */
export async function httpSend(target: string | URL, r: HttpRequest): Promise<HttpResponse> {
  let url = new URL(target);
  let req = r;
  for (let hop = 0; ; hop++) {
    const res = await once(url, req);
    // a HEAD answer has no body to read: release the connection now
    if (req.method === 'HEAD') res.resume();
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || !location || hop >= MAX_REDIRECTS) return response(res);
    res.resume();
    const next = new URL(location, url);
    const headers = { ...req.headers };
    if (next.origin !== url.origin) delete headers.authorization;
    req = res.statusCode === 303 && req.method !== 'HEAD'
      ? { method: 'GET', headers: Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith('content-'))) }
      : { ...req, headers };
    url = next;
  }
}
