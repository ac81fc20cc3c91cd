import { ErrorCode, IwpError, isTransient, withRetry } from '@iwp/core';
import { parseChallenge, type Credentials } from './auth.js';
import { httpSend, type HttpResponse, type RequestBody } from './http.js';
import { uploadSession } from './upload.js';

export interface ClientOptions {
  credentials?: Credentials;
  /** plain HTTP (default for loopback registries) */
  plainHttp?: boolean;
  retries?: number;
  /** blobs larger than this are uploaded in chunks of this size */
  chunkSize?: number;
}

/** One request of the distribution API, as the client sends it. */
export interface Req {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  scope?: string;
  /** statuses the caller handles itself */
  ok?: number[];
  retries?: number;
}

/** Counters of what crossed the wire, for reports and tests. */
export interface Traffic {
  requests: number;
  bytesUploaded: number;
}

/**
 * The OCI distribution API (v2) over HTTP (./http.js): token and basic auth from WWW-Authenticate
 * challenges, retries with backoff (core's withRetry) on 5xx, 429 and connection errors.
 */
export class RegistryClient {
  readonly base: string;
  readonly traffic: Traffic = { requests: 0, bytesUploaded: 0 };
  private authorization = new Map<string, string>();

  constructor(readonly registry: string, private readonly opts: ClientOptions = {}) {
    const loopback = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/.test(registry);
    this.base = `${opts.plainHttp ?? loopback ? 'http' : 'https'}://${registry}`;
  }

  private async authenticate(challenge: string, scope: string | undefined): Promise<string | undefined> {
    const { scheme, params } = parseChallenge(challenge);
    const creds = this.opts.credentials;
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : undefined;
    if (scheme === 'basic') return basic;
    if (scheme !== 'bearer' || !params.realm) return undefined;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    if (scope ?? params.scope) url.searchParams.set('scope', scope ?? params.scope!);
    const res = await httpSend(url, { method: 'GET', headers: basic ? { authorization: basic } : {} });
    this.traffic.requests++;
    if (res.status < 200 || res.status > 299) {
      await res.discard();
      throw new IwpError(ErrorCode.AUTH_FAILED, `${this.registry}: token request failed: HTTP ${res.status}`);
    }
    const tok = (await res.json()) as { token?: string; access_token?: string };
    const t = tok.token ?? tok.access_token;
    return t ? `Bearer ${t}` : undefined;
  }

  /**
   * One request, retried with core's backoff while it fails transiently (connection refused,
   * reset or cut, 5xx, 429). A 401 answers its challenge once. `r.retries: 0` leaves
   * retrying to the caller (an upload session is retried whole).
   */
  async request(r: Req): Promise<HttpResponse> {
    return withRetry(() => this.once(r), { retries: r.retries ?? this.opts.retries ?? 4 });
  }

  private async once(r: Req): Promise<HttpResponse> {
    const key = r.scope ?? '';
    const where = `${this.registry}: ${r.method} ${r.path}`;
    for (let authed = false; ;) {
      const headers: Record<string, string> = { ...r.headers };
      const auth = this.authorization.get(key) ?? this.authorization.get('');
      if (auth) headers.authorization = auth;
      let res: HttpResponse;
      try {
        res = await httpSend(`${this.base}${r.path}`, { method: r.method, headers, ...(r.body ? { body: r.body } : {}) });
        this.traffic.requests++;
      } catch (err) {
        const cause = (err as { cause?: Error }).cause;
        throw new IwpError(ErrorCode.UNREACHABLE, `${where}: ${(err as Error).message}${cause ? ` (${cause.message})` : ''}`, { cause: err, details: { registry: this.registry, transient: true } });
      }
      if (res.status === 401 && !authed) {
        await res.discard();
        const challenge = res.header('www-authenticate');
        const value = challenge ? await this.authenticate(challenge, r.scope) : undefined;
        if (!value) throw new IwpError(ErrorCode.AUTH_FAILED, `${this.registry}: authentication required (use --creds or ~/.docker/config.json)`);
        this.authorization.set(key, value);
        authed = true;
        continue;
      }
      if ((res.status >= 500 || res.status === 429) && !(r.ok ?? []).includes(res.status)) {
        await res.discard();
        throw new IwpError(ErrorCode.HTTP_ERROR, `${where}: HTTP ${res.status}`, { details: { registry: this.registry, status: res.status, transient: true } });
      }
      if (res.status === 401 || res.status === 403) {
        await res.discard();
        throw new IwpError(ErrorCode.AUTH_FAILED, `${where}: access denied (HTTP ${res.status})`);
      }
      if (res.status >= 400 && !(r.ok ?? []).includes(res.status)) {
        const text = await res.text().catch(() => '');
        throw new IwpError(ErrorCode.HTTP_ERROR, `${where}: HTTP ${res.status} ${text.slice(0, 200).trim()}`, { details: { registry: this.registry, status: res.status, transient: false } });
      }
      return res;
    }
  }

  /** The token scope of a repository: pull, or pull and push. */
  scope(repo: string, push = false): string {
    return `repository:${repo}:${push ? 'pull,push' : 'pull'}`;
  }

  async blobExists(repo: string, digest: string): Promise<boolean> {
    const res = await this.request({ method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, scope: this.scope(repo), ok: [404] });
    return res.status === 200;
  }

  /** Cross-repository mount; false (and the opened session cancelled) when the registry declines. */
  async mountBlob(repo: string, digest: string, from: string): Promise<boolean> {
    const res = await this.request({
      method: 'POST', path: `/v2/${repo}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
      scope: `${this.scope(repo, true)} repository:${from}:pull`,
    });
    await res.discard();
    if (res.status === 201) return true;
    const loc = res.header('location');
    if (loc) await this.request({ method: 'DELETE', path: this.relative(loc), scope: this.scope(repo, true), ok: [404, 405] }).then((r) => r.discard(), () => undefined);
    return false;
  }

  /** A Location the registry gave, as a path on this registry. */
  relative(location: string): string {
    const u = new URL(location, this.base);
    return `${u.pathname}${u.search}`;
  }

  /**
   * POST a session (the registry ignores a body on POST), then one PUT of the whole blob, or
   * PATCH chunks and a closing PUT. A session whose body was cut off cannot be resumed (the
   * registry keeps what arrived), so a transient failure starts a new session.
   */
  async uploadBlob(repo: string, digest: string, size: number, source: string | Buffer): Promise<void> {
    await withRetry(() => uploadSession(this, { repo, digest, size, source, chunk: this.opts.chunkSize ?? 1024 * 1024 * 1024 }), {
      retries: this.opts.retries ?? 4,
      // a body cut short leaves the session with part of it: the registry then reports a digest mismatch
      shouldRetry: (err) => isTransient(err) || (err as IwpError).details?.status === 400,
    });
    this.traffic.bytesUploaded += size;
  }

  /** The digest a tag points at, or undefined when the tag does not exist. */
  async manifestDigest(repo: string, reference: string, accept: string[]): Promise<string | undefined> {
    const res = await this.request({
      method: 'HEAD', path: `/v2/${repo}/manifests/${reference}`, scope: this.scope(repo), headers: { accept: accept.join(', ') }, ok: [404],
    });
    return res.status === 200 ? res.header('docker-content-digest') ?? undefined : undefined;
  }

  async putManifest(repo: string, reference: string, body: Buffer, mediaType: string): Promise<string | undefined> {
    const res = await this.request({
      method: 'PUT', path: `/v2/${repo}/manifests/${reference}`, scope: this.scope(repo, true),
      headers: { 'content-type': mediaType }, body,
    });
    await res.discard();
    this.traffic.bytesUploaded += body.length;
    return res.header('docker-content-digest') ?? undefined;
  }

  async getManifest(repo: string, reference: string, accept: string[]): Promise<{ body: Buffer; mediaType: string }> {
    const res = await this.request({ method: 'GET', path: `/v2/${repo}/manifests/${reference}`, scope: this.scope(repo), headers: { accept: accept.join(', ') } });
    return { body: await res.buffer(), mediaType: res.header('content-type') ?? '' };
  }

  async getBlob(repo: string, digest: string): Promise<Buffer> {
    const res = await this.request({ method: 'GET', path: `/v2/${repo}/blobs/${digest}`, scope: this.scope(repo) });
    return res.buffer();
  }
}
