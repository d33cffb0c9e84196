/**
 * The test client: drives the whole stack with real HTTP over loopback, in the test's own
 * process, with a cookie jar — Flask's `app.test_client()` for Phial.
 *
 * The first request starts the app on an ephemeral 127.0.0.1 port (unref'ed, so it never keeps a
 * test process alive); `close()` stops it.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the client needs from an app. */
export interface TestableApp {
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Options of a test client. */
export interface TestClientOptions {
  /** The Host header to send (default `localhost`). */
  host?: string;
  /** Follow redirects by default (default false, like Flask). */
  followRedirects?: boolean;
}

/** Options of one request. */
export interface TestRequestOptions {
  headers?: Record<string, string>;
  /** Appended to the path as a query string. */
  query?: Record<string, string | number | boolean | ReadonlyArray<string | number>>;
  /** Sent as JSON with `content-type: application/json`. */
  json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  form?: Record<string, string | number>;
  /**
   * Sent as `multipart/form-data`: a string is a field, an object a file upload
   * (`contentType` default `application/octet-stream`).
   */
  multipart?: Record<string, string | { filename: string; content: string | Uint8Array; contentType?: string }>;
  /** A raw body. */
  body?: string | Uint8Array;
  followRedirects?: boolean;
}

/** A response as the client saw it. */
export class TestResponse {
  constructor(
    readonly status: number,
    /** Lower-case header names; `set-cookie` is an array. */
    readonly headers: IncomingHttpHeaders,
    readonly body: Buffer,
    /** Responses that were followed before this one (with `followRedirects`). */
    readonly history: TestResponse[] = [],
  ) {}

  /** The body as UTF-8 text. */
  get text(): string { return this.body.toString('utf8'); }

  /** The body parsed as JSON. @throws {SyntaxError} when it is not JSON */
  json<T = unknown>(): T { return JSON.parse(this.text) as T; }

  /** One header (first value for multi-valued ones). */
  header(name: string): string | undefined {
    const v = this.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }
}

interface JarCookie { value: string; path: string }

/**
 * A client for one app.
 * @example
 * const client = app.testClient();
 * const res = await client.get('/users/3');
 * assert.equal(res.json<{ id: number }>().id, 3);
 */
export class TestClient {
  private server: Server | undefined;
  private port = 0;
  private readonly jar = new Map<string, JarCookie>();

  constructor(private readonly app: TestableApp, private readonly settings: TestClientOptions = {}) {}

  /** The cookie's current value in the jar. */
  getCookie(name: string): string | undefined { return this.jar.get(name)?.value; }
  /** Puts a cookie in the jar (sent on later requests). */
  setCookie(name: string, value: string, path = '/'): void { this.jar.set(name, { value, path }); }
  /** Removes a cookie from the jar. */
  deleteCookie(name: string): void { this.jar.delete(name); }

  private async start(): Promise<number> {
    if (this.server) return this.port;
    const server = createServer(this.app.handle);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    server.unref();
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** Stops the loopback server. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Sends a request; `path` may include a query string. */
  async request(method: string, path: string, opts: TestRequestOptions = {}): Promise<TestResponse> {
    const history: TestResponse[] = [];
    let res = await this.once(method, path, opts);
    const follow = opts.followRedirects ?? this.settings.followRedirects ?? false;
    while (follow && res.status >= 300 && res.status < 400 && res.header('location') && history.length < 10) {
      history.push(res);
      const loc = new URL(res.header('location')!, `http://${this.settings.host ?? 'localhost'}${path}`);
      const keep = res.status === 307 || res.status === 308;
      path = loc.pathname + loc.search;
      res = await this.once(keep ? method : 'GET', path, keep ? opts : { ...(opts.headers ? { headers: opts.headers } : {}) });
    }
    return history.length ? new TestResponse(res.status, res.headers, res.body, history) : res;
  }

  private async once(method: string, path: string, opts: TestRequestOptions): Promise<TestResponse> {
    const port = await this.start();
    const headers: Record<string, string> = { host: this.settings.host ?? 'localhost', ...lowerKeys(opts.headers ?? {}) };
    let body: string | Uint8Array | undefined = opts.body;
    if (opts.json !== undefined) { body = JSON.stringify(opts.json); headers['content-type'] ??= 'application/json'; }
    if (opts.form !== undefined) {
      body = new URLSearchParams(Object.entries(opts.form).map(([k, v]): [string, string] => [k, String(v)])).toString();
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
    }
    if (opts.multipart !== undefined) {
      const boundary = 'phial-test-' + randomBytes(12).toString('hex');
      const parts: Buffer[] = [];
      for (const [name, v] of Object.entries(opts.multipart)) {
        const quoted = (x: string): string => x.replace(/["\\\r\n]/g, (c) => encodeURIComponent(c));
        if (typeof v === 'string') {
          parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${v}\r\n`));
        } else {
          parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"; filename="${quoted(v.filename)}"\r\n` +
            `Content-Type: ${v.contentType ?? 'application/octet-stream'}\r\n\r\n`), Buffer.from(v.content), Buffer.from('\r\n'));
        }
      }
      parts.push(Buffer.from(`--${boundary}--\r\n`));
      body = Buffer.concat(parts);
      headers['content-type'] ??= `multipart/form-data; boundary=${boundary}`;
    }
    // Like a browser on the app's own pages: CSRF checks see a same-origin request unless the
    // test sends its own Sec-Fetch-Site (e.g. 'cross-site' to test the refusal).
    headers['sec-fetch-site'] ??= 'same-origin';
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    let target = path;
    if (opts.query) {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(opts.query)) {
        if (Array.isArray(v)) for (const item of v) qs.append(k, String(item)); else qs.append(k, String(v));
      }
      target += (target.includes('?') ? '&' : '?') + qs.toString();
    }
    const cookie = this.cookieHeader(target);
    if (cookie && headers.cookie === undefined) headers.cookie = cookie;
    return new Promise<TestResponse>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method, path: target, headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          this.storeCookies(res.headers['set-cookie']);
          resolve(new TestResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks)));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  private cookieHeader(target: string): string {
    const path = target.split('?')[0]!;
    const parts: string[] = [];
    for (const [name, c] of this.jar) if (path.startsWith(c.path)) parts.push(`${name}=${c.value}`);
    return parts.join('; ');
  }

  private storeCookies(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      let path = '/';
      let expired = false;
      for (const a of attrs) {
        const [k, v = ''] = a.split('=').map((s) => s.trim());
        const key = k!.toLowerCase();
        if (key === 'path') path = v || '/';
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) < Date.now()) expired = true;
      }
      if (expired) this.jar.delete(name); else this.jar.set(name, { value, path });
    }
  }

  /** GET `path`. */
  get(path: string, opts?: TestRequestOptions): Promise<TestResponse> { return this.request('GET', path, opts); }
  /** POST `path`. */
  post(path: string, opts?: TestRequestOptions): Promise<TestResponse> { return this.request('POST', path, opts); }
  /** PUT `path`. */
  put(path: string, opts?: TestRequestOptions): Promise<TestResponse> { return this.request('PUT', path, opts); }
  /** PATCH `path`. */
  patch(path: string, opts?: TestRequestOptions): Promise<TestResponse> { return this.request('PATCH', path, opts); }
  /** DELETE `path`. */
  delete(path: string, opts?: TestRequestOptions): Promise<TestResponse> { return this.request('DELETE', path, opts); }
  /** HEAD `path`. */
  head(path: string, opts?: TestRequestOptions): Promise<TestResponse> { return this.request('HEAD', path, opts); }
  /** OPTIONS `path`. */
  options(path: string, opts?: TestRequestOptions): Promise<TestResponse> { return this.request('OPTIONS', path, opts); }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(h)) out[k.toLowerCase()] = h[k]!;
  return out;
}
