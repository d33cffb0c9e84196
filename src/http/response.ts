/**
 * The response a view returns (or that Phial builds from a view's return value).
 *
 * Like Werkzeug's `Response`: a status, headers and a body. The body is a string (UTF-8), bytes,
 * a Node `Readable` or any async iterable of strings/bytes (streamed), or null. Security headers
 * are not stored here: they are added from the app's precomputed block when the response is
 * written, so every response carries them, error pages included.
 *
 * @module
 */
import { Readable } from 'node:stream';
import { ResponseHeaders, type HeadersInit } from './headers.ts';
import { deleteCookieHeader, isHostPrefixed, isSecurePrefixed, serializeCookie, type CookieOptions, type CookieOptionsFor } from './set-cookie.ts';
import type { SecurityHeaderOptions } from '../security/headers.ts';

/** A response body. */
export type ResponseBody = string | Uint8Array | Readable | AsyncIterable<string | Uint8Array> | null;

/** Options for {@link Response}. */
export interface ResponseInit {
  /** HTTP status, 100–599 (default 200). */
  status?: number;
  /** Initial headers; values are validated (no CR/LF/NUL). */
  headers?: HeadersInit;
  /** Shortcut for the `content-type` header. */
  contentType?: string;
}

/**
 * An HTTP response.
 *
 * @example
 * return new Response('Hello', { headers: { 'content-type': 'text/plain; charset=utf-8' } });
 * @throws {RangeError} for a status outside 100–599
 * @throws {HeaderValueError} for an invalid header
 */
export class Response {
  status: number;
  readonly headers: ResponseHeaders;
  body: ResponseBody;
  /**
   * Per-response changes to the security headers (e.g. a relaxed CSP for one page). Field by field
   * these override the route's and the app's settings.
   */
  securityHeaders: SecurityHeaderOptions | undefined;
  /**
   * `Set-Cookie` lines written by {@link setCookie}/{@link deleteCookie} with a default `Secure`,
   * mapped to a builder of the same cookie without it, which cannot throw (the Secure-dependent
   * rules are excluded). Built only for plain-HTTP development on loopback (see
   * {@link dropDefaultSecure}); undefined until a cookie is set.
   */
  private cookieDowngrades: Map<string, () => string> | undefined;
  /** One clock per response, so a cookie's two forms carry the same `Expires`. */
  private cookieClock: number | undefined;

  constructor(body: ResponseBody = null, init: ResponseInit = {}) {
    const status = init.status ?? 200;
    if (!Number.isInteger(status) || status < 100 || status > 599) {
      throw new RangeError(`Response status must be an integer from 100 to 599, got ${String(status)}`);
    }
    this.status = status;
    this.body = body;
    this.headers = new ResponseHeaders(init.headers);
    if (init.contentType !== undefined) this.headers.set('content-type', init.contentType);
    this.securityHeaders = undefined;
    this.cookieDowngrades = undefined;
    this.cookieClock = undefined;
  }

  /**
   * Adds a `Set-Cookie` header (Werkzeug's `set_cookie`), one header line per cookie. Defaults:
   * `Path=/; Secure; HttpOnly; SameSite=Lax`; see `serializeCookie` for every rule. The cookie is
   * validated and serialised now, so a bad name or option fails inside the view (a 500, or the
   * app's handler) and nothing partial is ever sent (case C12).
   *
   * When `secure` is not given, the framework may drop `Secure` for plain-HTTP development on
   * loopback; prefixed cookies, `SameSite=None` and `Partitioned` always keep it.
   *
   * @throws {CookieError} for an invalid name, value or option
   * @example response.setCookie('__Host-theme', 'dark', { maxAge: 30 * 24 * 3600 });
   */
  setCookie<N extends string>(name: N, value: string, options?: CookieOptionsFor<N>): this {
    return this.addCookie(name, options, (o) => serializeCookie(name, value, o, this.cookieClock ??= Date.now()));
  }

  /**
   * Removes a cookie: an empty value with `Max-Age=0` and `Expires` at the epoch. Pass the same
   * `path` and `domain` the cookie was set with, or the browser keeps it.
   * @throws {CookieError} for an invalid name or option
   * @example response.deleteCookie('__Host-sid');
   */
  deleteCookie<N extends string>(name: N, options?: CookieOptionsFor<N>): this {
    return this.addCookie(name, options, (o) => deleteCookieHeader(name, o));
  }

  private addCookie<N extends string>(name: N, options: CookieOptionsFor<N> | undefined, make: (o: CookieOptionsFor<N> | undefined) => string): this {
    const line = make(options);
    const o = (options ?? {}) as CookieOptions;
    if (o.secure === undefined && !isHostPrefixed(name) && !isSecurePrefixed(name) && o.partitioned !== true &&
      (typeof o.sameSite !== 'string' || o.sameSite.toLowerCase() !== 'none')) {
      (this.cookieDowngrades ??= new Map()).set(line, () => make({ ...o, secure: false } as CookieOptionsFor<N>));
    }
    this.headers.append('set-cookie', line);
    return this;
  }

  /**
   * @internal For the writer: rewrites, in a flat `[name, value, …]` header array from index
   * `from`, the `Set-Cookie` lines made by {@link setCookie} with a default `Secure` into their
   * development form without it. Called only for plain-HTTP development on loopback.
   */
  dropDefaultSecure(out: string[], from: number): void {
    const map = this.cookieDowngrades;
    if (map === undefined) return;
    for (let i = from; i < out.length; i += 2) {
      if (out[i] === 'set-cookie') {
        const insecure = map.get(out[i + 1]!);
        if (insecure !== undefined) out[i + 1] = insecure();
      }
    }
  }

  /** The `content-type` header, if set. */
  get contentType(): string | undefined { return this.headers.get('content-type'); }

  /** True when the body is streamed rather than sent in one piece. */
  get isStreamed(): boolean {
    const b = this.body;
    return b !== null && typeof b !== 'string' && !(b instanceof Uint8Array);
  }

  /**
   * Builds a JSON response (`application/json`).
   * @throws {TypeError} when the value cannot be serialised (cycles, BigInt).
   */
  static json(value: unknown, init: ResponseInit = {}): Response {
    const r = new Response(JSON.stringify(value), init);
    if (!r.headers.has('content-type')) r.headers.set('content-type', 'application/json');
    return r;
  }

  /** Builds a `text/plain; charset=utf-8` response. */
  static text(value: string, init: ResponseInit = {}): Response {
    const r = new Response(value, init);
    if (!r.headers.has('content-type')) r.headers.set('content-type', 'text/plain; charset=utf-8');
    return r;
  }

  /** Builds a streamed response from an async iterable or a Readable. */
  static stream(source: Readable | AsyncIterable<string | Uint8Array>, init: ResponseInit = {}): Response {
    return new Response(source instanceof Readable ? source : Readable.from(source), init);
  }
}
