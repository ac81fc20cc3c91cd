import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Fault } from './fault-proxy.js';

/** The fault proxy's answers and forwarding: what each fault does to the bytes on the wire. */

/** error500 / slowDown: answered here, in the upstream's dialect (S3's XML for a signed S3 request, a registry's JSON otherwise). */
export function answerInjectedError(req: IncomingMessage, res: ServerResponse, fault: 'error500' | 'slowDown'): void {
  req.resume();
  req.on('end', () => {
    const s3 = /AWS4-HMAC-SHA256/.test(req.headers.authorization ?? '');
    const code = fault === 'slowDown' ? (s3 ? 'SlowDown' : 'TOOMANYREQUESTS') : s3 ? 'InternalError' : 'UNKNOWN';
    const body = s3
      ? `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the fault proxy</Message></Error>`
      : JSON.stringify({ errors: [{ code, message: 'injected by the fault proxy' }] });
    res.writeHead(fault === 'slowDown' ? 503 : 500, { 'content-type': s3 ? 'application/xml' : 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
}

/** dropResponse: the server answered in full; the client gets at most half of it, then a cut connection. */
function dropResponse(req: IncomingMessage, res: ServerResponse, upRes: IncomingMessage): void {
  const len = Number(upRes.headers['content-length'] ?? 0);
  if (!len || req.method === 'HEAD') {
    upRes.resume();
    upRes.on('end', () => req.socket.destroy());
    return;
  }
  res.writeHead(upRes.statusCode ?? 502, upRes.headers);
  let sent = 0;
  upRes.on('data', (chunk: Buffer) => {
    if (sent >= len / 2) return;
    res.write(chunk.subarray(0, Math.max(1, Math.floor(len / 2) - sent)));
    sent += chunk.length;
    if (sent >= len / 2) setImmediate(() => req.socket.destroy());
  });
  upRes.on('end', () => req.socket.destroy());
}

/** dropRequest: half the body reaches the server, then both connections are cut. */
function dropRequest(req: IncomingMessage, upReq: ReturnType<typeof request>): void {
  const len = Number(req.headers['content-length'] ?? 0);
  let seen = 0;
  req.on('data', (chunk: Buffer) => {
    if (seen < len / 2) upReq.write(chunk.subarray(0, Math.max(1, Math.floor(len / 2) - seen)));
    seen += chunk.length;
    if (seen >= len / 2) {
      upReq.destroy();
      req.socket.destroy();
    }
  });
  if (!len) {
    upReq.destroy();
    req.socket.destroy();
  }
}

/** The request to the upstream (its Host header unchanged), with `fault` done to it; `buffered`: a body already read (delay). */
export function forward(up: URL, req: IncomingMessage, res: ServerResponse, fault: Fault, buffered?: Buffer): void {
  const headers = { ...req.headers };
  delete headers.expect; // answer 100-continue here; the server sees a plain body
  const upReq = request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (upRes) => {
    if (fault === 'dropResponse') return dropResponse(req, res, upRes);
    res.writeHead(upRes.statusCode ?? 502, upRes.headers);
    upRes.pipe(res);
  });
  upReq.on('error', () => res.destroy());
  if (fault === 'dropRequest') return dropRequest(req, upReq);
  if (buffered) return void upReq.end(buffered);
  // a client that goes away mid-body must not leave the server waiting for the rest
  // (a server that reads the body before it answers waits for it)
  req.on('close', () => {
    if (!req.complete) upReq.destroy();
  });
  req.pipe(upReq);
}
