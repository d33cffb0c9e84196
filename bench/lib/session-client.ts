/**
 * The harness side of the sessions-and-CSRF benchmark: logs in like a browser (following the
 * session cookie through its first rewrite), then checks that a contestant answers the measured
 * requests correctly before and after they are measured. Contract: `bench/lib/session-contract.ts`.
 *
 * @module
 */
import { request } from 'node:http';
import { HOST } from './contract.ts';
import { CSRF_FIELD, NOTE, SESSION_USER, SESSION_USER_HTML, savedBody } from './session-contract.ts';
import { SECURITY_HEADERS } from './verify.ts';

/** One response, read whole. */
export interface RawReply {
  readonly status: number;
  /** Header names lower-case; repeated headers joined with `, ` except `set-cookie` (kept apart). */
  readonly headers: Readonly<Record<string, string>>;
  readonly setCookies: readonly string[];
  readonly body: string;
  /** Bytes of the status line and headers as received (HTTP/1.1 framing included). */
  readonly headerBytes: number;
  /** Bytes of the body. */
  readonly bodyBytes: number;
}

/** A request to send: method, path, extra headers and an optional body (UTF-8). */
export interface ClientRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * Sends one request over a fresh connection and reads the whole response (5 s limit).
 *
 * @throws {Error} on a socket error or timeout.
 */
export function send(port: number, req: ClientRequest): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string | number> = { ...req.headers };
    if (body !== undefined) headers['content-length'] = body.length;
    const outgoing = request({ host: HOST, port, method: req.method, path: req.path, headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const flat: Record<string, string> = {};
        let headerBytes = `HTTP/1.1 ${res.statusCode} ${res.statusMessage}\r\n\r\n`.length;
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i] ?? '';
          const value = res.rawHeaders[i + 1] ?? '';
          headerBytes += Buffer.byteLength(`${name}: ${value}\r\n`);
          const key = name.toLowerCase();
          if (key !== 'set-cookie') flat[key] = key in flat ? `${flat[key]}, ${value}` : value;
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: flat,
          setCookies: res.headers['set-cookie'] ?? [],
          body: raw.toString('utf8'),
          headerBytes,
          bodyBytes: raw.length,
        });
      });
    });
    outgoing.on('timeout', () => outgoing.destroy(new Error(`${req.method} ${req.path}: no response within 5 s`)));
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * Applies `Set-Cookie` lines to a jar the way a browser would for these tests: each line sets
 * its `name=value` (attributes ignored), an empty value deletes it.
 */
export function updateJar(jar: Map<string, string>, setCookies: readonly string[]): void {
  for (const line of setCookies) {
    const pair = line.split(';', 1)[0] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

/** The jar as a `Cookie` request header value. */
export function cookieHeader(jar: ReadonlyMap<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}

/** What a measured request looked like when checked. */
export interface ReplyShape {
  /** Security headers present, lower-case, in `SECURITY_HEADERS` order. */
  readonly securityHeaders: readonly string[];
  readonly headerBytes: number;
  readonly bodyBytes: number;
}

/** A logged-in client: what wrk replays. */
export interface SessionFixture {
  /** The `Cookie` header value carrying the session. */
  readonly cookie: string;
  /** A CSRF token taken from the page, valid for this session. */
  readonly token: string;
  /** The form body of the measured `POST /form`. */
  readonly postBody: string;
  /** `GET /form` as checked. */
  readonly page: ReplyShape;
  /** `POST /form` as checked. */
  readonly post: ReplyShape;
}

const FORM_TYPE = 'application/x-www-form-urlencoded';
const TOKEN_INPUT = new RegExp(`<input type="hidden" name="${CSRF_FIELD}" value="([A-Za-z0-9_.~+/=-]{16,})">`);

function shape(reply: RawReply): ReplyShape {
  return {
    securityHeaders: SECURITY_HEADERS.filter((name) => name in reply.headers),
    headerBytes: reply.headerBytes,
    bodyBytes: reply.bodyBytes,
  };
}

function fail(what: string, reply: RawReply, expected: string): never {
  throw new Error(`${what}: ${expected}; got status ${reply.status}, body ${JSON.stringify(reply.body.slice(0, 300))}`);
}

/**
 * Checks one `GET /form` with `cookie`: 200, HTML, the escaped user name (so the session cookie
 * was accepted and read), a CSRF hidden field; and, with `steady`, no `Set-Cookie` (the session
 * was neither rewritten nor dropped).
 *
 * @returns the reply and the token on the page.
 * @throws {Error} describing the first mismatch.
 */
export async function checkPage(port: number, cookie: string, steady: boolean): Promise<{ reply: RawReply; token: string }> {
  const reply = await send(port, { method: 'GET', path: '/form', headers: { cookie } });
  if (reply.status !== 200) fail('GET /form', reply, 'expected 200');
  if (!(reply.headers['content-type'] ?? '').toLowerCase().startsWith('text/html')) {
    fail('GET /form', reply, `expected text/html, content-type was ${JSON.stringify(reply.headers['content-type'])}`);
  }
  if (!reply.body.includes(`<h1>Hello, ${SESSION_USER_HTML}</h1>`)) fail('GET /form', reply, 'expected the escaped user name from the session');
  const token = TOKEN_INPUT.exec(reply.body)?.[1];
  if (token === undefined) fail('GET /form', reply, `expected a hidden ${CSRF_FIELD} input with a token`);
  if (steady && reply.setCookies.length > 0) {
    fail('GET /form', reply, `expected the session cookie to be accepted as is, but the response set ${reply.setCookies.map((c) => c.split('=', 1)[0]).join(', ')}`);
  }
  return { reply, token };
}

/**
 * Checks one `POST /form` with `cookie` and `body` (no `Origin`/`Sec-Fetch-Site`, as an old
 * browser, so the token decides): 200 with the saved note and no `Set-Cookie`.
 *
 * @throws {Error} describing the first mismatch.
 */
export async function checkPost(port: number, cookie: string, body: string): Promise<RawReply> {
  const reply = await send(port, { method: 'POST', path: '/form', headers: { cookie, 'content-type': FORM_TYPE }, body });
  if (reply.status !== 200) fail('POST /form with a valid token', reply, 'expected 200');
  const expected = savedBody(NOTE, SESSION_USER);
  if (reply.body !== expected) fail('POST /form with a valid token', reply, `expected body ${JSON.stringify(expected)}`);
  if (reply.setCookies.length > 0) fail('POST /form with a valid token', reply, 'expected no Set-Cookie');
  return reply;
}

/**
 * Logs in like a browser and checks every route, both ways:
 *
 * 1. `POST /login` (same-origin `Origin`, as a browser sends it) → 303 and a session cookie;
 * 2. `GET /form` → may rewrite the cookie (the session's CSRF secret is created on first use);
 * 3. `GET /form` again → steady state: same cookie accepted, no `Set-Cookie` — what wrk replays;
 * 4. `POST /form` with the token → 200; without it → 403; `GET /form` without the cookie → 401.
 *
 * @throws {Error} describing the first mismatch.
 */
export async function establishSession(port: number): Promise<SessionFixture> {
  const jar = new Map<string, string>();
  const login = await send(port, {
    method: 'POST', path: '/login',
    headers: { 'content-type': FORM_TYPE, origin: `http://${HOST}:${port}` },
    body: new URLSearchParams({ user: SESSION_USER }).toString(),
  });
  if (login.status !== 303 || login.setCookies.length === 0) fail('POST /login', login, 'expected 303 with a session cookie');
  updateJar(jar, login.setCookies);
  const first = await checkPage(port, cookieHeader(jar), false);
  updateJar(jar, first.reply.setCookies);
  const cookie = cookieHeader(jar);
  const { reply: page, token } = await checkPage(port, cookie, true);
  const postBody = `${CSRF_FIELD}=${encodeURIComponent(token)}&note=${NOTE}`;
  const post = await checkPost(port, cookie, postBody);
  const forged = await send(port, { method: 'POST', path: '/form', headers: { cookie, 'content-type': FORM_TYPE }, body: `note=${NOTE}` });
  if (forged.status !== 403) fail('POST /form without a token', forged, 'expected 403');
  const anonymous = await send(port, { method: 'GET', path: '/form' });
  if (anonymous.status !== 401) fail('GET /form without the session cookie', anonymous, 'expected 401');
  return { cookie, token, postBody, page: shape(page), post: shape(post) };
}
