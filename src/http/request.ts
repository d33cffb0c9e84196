/**
 * The request wrapper a view receives: a thin, lazy view over Node's `IncomingMessage`.
 *
 * Nothing is parsed until asked for: the query string on first `query` access, cookies on first
 * `cookies` access, the body on `body()`/`text()`/`json()`. Reading a body is bounded by the
 * app's `maxContentLength` (bytes): a declared `Content-Length` above it is refused before any
 * byte is read, and a body without one (chunked) is cut at the limit — both with 413.
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { BadRequest, RequestEntityTooLarge, UnsupportedMediaType } from '../errors.ts';
import { parseCookieHeader } from './cookies.ts';
import { cspNonce } from '../security/nonce.ts';

/** What a request needs from its app (kept small so `Request` does not import the app). */
export interface RequestHost {
  readonly maxContentLength: number;
  urlFor(endpoint: string, values?: Record<string, unknown>, options?: { external?: boolean; blueprint?: string }): string;
}

let requestCounter = 0;
const idPrefix = process.pid.toString(36) + '-';

/**
 * A request. `P` is the type of `params`, inferred from the route's rule.
 */
export class Request<P = Record<string, unknown>> {
  /** The underlying Node request. */
  readonly raw: IncomingMessage;
  /** Upper-case method, e.g. `GET`. */
  readonly method: string;
  /** The request target as received, e.g. `/notes/3?x=1`. */
  readonly url: string;
  /** The path part of `url`, still percent-encoded, e.g. `/notes/3`. */
  readonly path: string;
  /** The query string without `?` (empty string when absent). */
  readonly queryString: string;
  /** URL parameters converted by the rule's converters (`<int:id>` gives a number). */
  params: P;
  /** The matched endpoint, e.g. `notes.show`, or undefined before routing / when none matched. */
  endpoint: string | undefined;
  /** The matched rule, e.g. `/notes/<int:id>`. */
  rule: string | undefined;
  /** The innermost blueprint of the matched endpoint, if any. */
  blueprint: string | undefined;

  private readonly host: RequestHost;
  private _query: URLSearchParams | undefined;
  private _cookies: Record<string, string> | undefined;
  private _g: Record<string, unknown> | undefined;
  private _nonce: string | undefined;
  private _id: string | undefined;
  private _body: Promise<Buffer> | undefined;

  constructor(raw: IncomingMessage, host: RequestHost) {
    this.raw = raw;
    this.host = host;
    this.method = raw.method ?? 'GET';
    const url = raw.url ?? '/';
    this.url = url;
    const q = url.indexOf('?');
    this.path = q === -1 ? url : url.slice(0, q);
    this.queryString = q === -1 ? '' : url.slice(q + 1);
    this.params = {} as P;
    this.endpoint = undefined;
    this.rule = undefined;
    this.blueprint = undefined;
  }

  /** Request headers, lower-case names (Node's parsed form). */
  get headers(): IncomingMessage['headers'] { return this.raw.headers; }

  /** One request header by (case-insensitive) name. */
  header(name: string): string | undefined {
    const v = this.raw.headers[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  }

  /** Parsed query string (first value via `get`, all via `getAll`), like Werkzeug's `args`. */
  get query(): URLSearchParams {
    return (this._query ??= new URLSearchParams(this.queryString));
  }

  /** Request cookies as a null-prototype record of raw values. */
  get cookies(): Record<string, string> {
    return (this._cookies ??= parseCookieHeader(this.header('cookie')));
  }

  /** Per-request scratch space, like Flask's `g`. */
  get g(): Record<string, unknown> {
    return (this._g ??= Object.create(null) as Record<string, unknown>);
  }

  /**
   * The CSP nonce of this response (128 random bits, base64). Put it on inline `<script>` and
   * `<style>` tags; templates see it as `csp_nonce`.
   */
  get cspNonce(): string {
    return (this._nonce ??= cspNonce());
  }

  /** @internal whether a nonce was drawn, so the writer reuses it. */
  get drawnNonce(): string | undefined { return this._nonce; }

  /** A short id for log correlation (process-unique). */
  get id(): string {
    return (this._id ??= idPrefix + (++requestCounter).toString(36));
  }

  /** The client address as seen on the socket, IPv4-mapped IPv6 shown as plain IPv4. */
  get remoteAddr(): string {
    const a = this.raw.socket.remoteAddress ?? '';
    return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
  }

  /** True when the connection is TLS. */
  get isSecure(): boolean {
    return (this.raw.socket as Partial<TLSSocket>).encrypted === true;
  }

  /** `https` or `http`. */
  get scheme(): 'http' | 'https' { return this.isSecure ? 'https' : 'http'; }

  /** The media type of the body without parameters, lower-case (e.g. `application/json`). */
  get mimetype(): string {
    const ct = this.header('content-type');
    if (!ct) return '';
    const semi = ct.indexOf(';');
    return (semi === -1 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  }

  /** Builds a URL for an endpoint; `.name` is relative to this request's blueprint. */
  urlFor(endpoint: string, values?: Record<string, unknown>, options: { external?: boolean } = {}): string {
    return this.host.urlFor(endpoint, values, { ...options, ...(this.blueprint ? { blueprint: this.blueprint } : {}) });
  }

  /**
   * The raw body, read once and cached.
   * @throws {RequestEntityTooLarge} above `maxContentLength` bytes (declared or received)
   * @throws {BadRequest} when the client aborts mid-body
   */
  body(): Promise<Buffer> {
    return (this._body ??= readBody(this.raw, this.host.maxContentLength));
  }

  /** The body decoded as UTF-8 (invalid sequences become U+FFFD). */
  async text(): Promise<string> {
    return (await this.body()).toString('utf8');
  }

  /**
   * The body parsed as JSON. Keys `__proto__`, and `prototype` under `constructor`, are refused so
   * a later merge cannot pollute `Object.prototype`.
   * @throws {UnsupportedMediaType} when the content type is not JSON (`application/json` or `+json`)
   * @throws {BadRequest} for malformed JSON or a forbidden key
   */
  async json(): Promise<unknown> {
    const mt = this.mimetype;
    if (mt !== 'application/json' && !mt.endsWith('+json')) {
      throw new UnsupportedMediaType('Expected a JSON body (Content-Type: application/json).');
    }
    const text = await this.text();
    try {
      return JSON.parse(text, rejectPoisonKeys);
    } catch (err) {
      if (err instanceof BadRequest) throw err;
      throw new BadRequest('The request body is not valid JSON.');
    }
  }
}

function rejectPoisonKeys(this: unknown, key: string, value: unknown): unknown {
  if (key === '__proto__' || (key === 'prototype' && value !== null && typeof value === 'object')) {
    throw new BadRequest('The JSON body contains a forbidden key.');
  }
  return value;
}

function readBody(raw: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = raw.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(new RequestEntityTooLarge());
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        raw.pause();
        reject(new RequestEntityTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => { cleanup(); resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)); };
    const onError = (): void => { cleanup(); reject(new BadRequest('The request body could not be read.')); };
    const onAborted = (): void => { cleanup(); reject(new BadRequest('The request body was cut short.')); };
    function cleanup(): void {
      raw.off('data', onData); raw.off('end', onEnd); raw.off('error', onError); raw.off('aborted', onAborted);
    }
    raw.on('data', onData); raw.on('end', onEnd); raw.on('error', onError); raw.on('aborted', onAborted);
  });
}
